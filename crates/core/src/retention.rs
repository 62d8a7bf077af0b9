//! Retention (bewaartermijnen): when a record must go, and the purge job that removes it.
//!
//! - An adviesvraag or a signal that is not part of a case: its own term, counted from the
//!   observation date.
//! - A signal in a case follows the case: kept while the case is open, and purged with the case
//!   once the closed-case term, counted from closing, has passed.
//! - A received bundle (inbox) and a sent bundle (outbox): the signal term, counted from
//!   receipt or creation (the closed-case term for a case bundle at the regional table).
//!
//! - A field control (its place and partners): the signal term, counted from its end.
//! - A draft signal that was never saved: the shorter of the adviesvraag and signal terms,
//!   counted from the last time it was saved.
//!
//! A received bundle leaves a tombstone (its id and the day, no content) for
//! [`TOMBSTONE_MONTHS`], and a bundle that arrives after its term (from when it was sent) is
//! refused: purged data does not come back by a second delivery.
//!
//! Before a signal, adviesvraag, case or control goes, its contribution to the monitor's
//! counts is added to the ledger (`ledger.rs`: per month and category, no ids, no text), in
//! the same write: the figures of a period stay the same after its records are purged.
//!
//! A record is purged on the first day *after* its deadline. Purging removes the record from
//! sled (and from the in-memory index) and leaves one audit entry per record with only its
//! kind and id. sled may keep the old, still encrypted, bytes in its log until it rewrites
//! that segment.

use crate::audit;
use crate::error::Result;
use crate::ids::Now;
use crate::index::Index;
use crate::schema::{
    ACTIVE_CONTROL, CASES, CONTROLS, DRAFT, DRAFT_SAVED_AT, INBOX, LAST_PURGE, LAST_PURGE_DAY,
    MONITOR_LEDGER, OUTBOX, OUTBOX_DATA, SIGNALS, TOMBSTONES,
};
use crate::vault::Vault;
use chrono::{Months, NaiveDate, NaiveDateTime};
use zicht_model::*;

/// How long the id of a purged received bundle is remembered (no content), so that a copy
/// delivered again (the endpoint keeps envelopes 30 days by default; a file can be imported
/// twice) is refused. A bundle sent longer ago than its retention term is refused anyway
/// ([`received_too_late`]); this covers a receiving clock that was set back.
pub const TOMBSTONE_MONTHS: u32 = 12;

/// Whether a received payload arrives after the retention term its inbox copy would have had,
/// counted from when it was sent: it is refused, so that old data does not come back.
pub fn received_too_late(p: &BundlePayload, r: &Retention, today: NaiveDate) -> bool {
    let months = if p.case.is_some() {
        r.closed_case_months
    } else {
        r.signaal_months
    };
    expired(add_months(p.sent_at.date(), months), today)
}

fn add_months(d: NaiveDate, months: u32) -> NaiveDate {
    d.checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// Deadline of a signal or adviesvraag that is not in a case.
pub fn signal_deadline(kind: RecordKind, observed: NaiveDate, r: &Retention) -> NaiveDate {
    let months = match kind {
        RecordKind::Adviesvraag => r.adviesvraag_months,
        RecordKind::Signaal => r.signaal_months,
    };
    add_months(observed, months)
}

/// Deadline of a case: none while it is open, else the closed-case term after closing.
pub fn case_deadline(closed_at: Option<NaiveDateTime>, r: &Retention) -> Option<NaiveDate> {
    closed_at.map(|t| add_months(t.date(), r.closed_case_months))
}

/// Deadline of a received bundle.
pub fn inbox_deadline(item: &InboxItem, r: &Retention) -> NaiveDate {
    let months = if item.payload.case.is_some() {
        r.closed_case_months
    } else {
        r.signaal_months
    };
    add_months(item.received_at.date(), months)
}

/// Deadline of a sent bundle (only ciphertext and signal ids are kept).
pub fn outbox_deadline(item: &OutboxItem, r: &Retention) -> NaiveDate {
    add_months(item.created_at.date(), r.signaal_months)
}

/// Deadline of a field control (its place and partners): the signal term, counted from its
/// end (from its start while it has not ended).
pub fn control_deadline(c: &Control, r: &Retention) -> NaiveDate {
    add_months(c.ended_at.unwrap_or(c.started_at).date(), r.signaal_months)
}

/// Deadline of a draft signal that was never saved as a signal: the shorter of the
/// adviesvraag and signal terms, counted from the last time it was saved.
pub fn draft_deadline(saved_at: NaiveDateTime, r: &Retention) -> NaiveDate {
    add_months(saved_at.date(), r.adviesvraag_months.min(r.signaal_months))
}

/// Whether a record with this deadline is due on `today`.
pub fn expired(deadline: NaiveDate, today: NaiveDate) -> bool {
    today > deadline
}

/// Removes every record whose retention term `r` has passed on `now`'s date, from the store
/// and from `index`; each purge is audited under `actor`. Durable on return; the report
/// (counts only) is kept to show the user.
pub(crate) fn purge_expired(
    v: &Vault,
    index: &mut Index,
    r: &Retention,
    actor: &str,
    municipality: &str,
    now: Now,
) -> Result<PurgeReport> {
    {
        let today = now.date_naive();
        let r = *r;
        let mut report = PurgeReport {
            at: Some(now.naive_local()),
            ..PurgeReport::default()
        };
        let mut cases = Vec::new();
        v.for_each(&CASES, |k, c: Case| {
            cases.push((k.to_vec(), c));
            Ok(())
        })?;
        // A purge that stopped after its ledger (an error, not only a crash) is finished
        // first, so its records are not counted a second time.
        for id in finish_pending(v, actor, now)? {
            index.remove(&id);
        }
        // What the monitor keeps of each purged record (counts only, `ledger.rs`).
        let mut ledger = v.get(&MONITOR_LEDGER)?.unwrap_or_default().counts();
        let mut control_types = std::collections::HashMap::new();
        v.for_each(&CONTROLS, |_, c: Control| {
            control_types.insert(c.id, c.kind.wire());
            Ok(())
        })?;
        let mut purged_signals = Vec::new();
        let mut dead_cases = Vec::new();
        for (k, c) in &cases {
            if case_deadline(c.closed_at, &r).is_some_and(|d| expired(d, today)) {
                dead_cases.push((k.clone(), c.id.clone()));
            }
        }
        let live_cases: std::collections::HashSet<&str> = cases
            .iter()
            .filter(|(_, c)| !dead_cases.iter().any(|(_, id)| *id == c.id))
            .map(|(_, c)| c.id.as_str())
            .collect();
        v.for_each(&SIGNALS, |k, s: Signal| {
            let due = match s.case_id.as_deref() {
                Some(c) if live_cases.contains(c) => false,
                // In a purged case, or a case that no longer exists.
                Some(c) if dead_cases.iter().any(|(_, id)| id == c) => true,
                _ => expired(signal_deadline(s.kind, s.observed_at.date(), &r), today),
            };
            if due {
                let control = s
                    .control_id
                    .as_ref()
                    .and_then(|c| control_types.get(c))
                    .copied();
                ledger.absorb(&crate::facts::Fact::of_signal(&s), control);
                purged_signals.push((k.to_vec(), s.id.clone(), s.kind));
            }
            Ok(())
        })?;
        for (_, c) in cases
            .iter()
            .filter(|(_, c)| dead_cases.iter().any(|(_, id)| *id == c.id))
        {
            ledger.absorb(&crate::facts::Fact::of_case(c), None);
        }
        let mut dead_controls = Vec::new();
        v.for_each(&CONTROLS, |k, c: Control| {
            if expired(control_deadline(&c, &r), today) {
                ledger.absorb_control(c.started_at.date(), municipality, c.kind.wire());
                dead_controls.push((k.to_vec(), c.id));
            }
            Ok(())
        })?;
        // The ledger, with the keys it counts, is durable before any of them goes: a crash in
        // between leaves records that are counted and pending, and `finish_pending` deletes them
        // at the next unlock without counting them again.
        let pending: Vec<(String, Vec<u8>)> = purged_signals
            .iter()
            .map(|(k, _, _)| (SIGNALS.name.to_string(), k.clone()))
            .chain(
                dead_cases
                    .iter()
                    .map(|(k, _)| (CASES.name.to_string(), k.clone())),
            )
            .chain(
                dead_controls
                    .iter()
                    .map(|(k, _)| (CONTROLS.name.to_string(), k.clone())),
            )
            .collect();
        let counted = !pending.is_empty();
        if counted {
            v.put(
                &MONITOR_LEDGER,
                &crate::ledger::Ledger::from_counts(&ledger).with_pending(pending),
            )?;
            v.sync()?;
            #[cfg(any(test, feature = "testing"))]
            if CRASH_AFTER_LEDGER.with(|c| c.replace(false)) {
                return Err(crate::error::CoreError::Storage(
                    "injected by a test".into(),
                ));
            }
        }
        // Removes one record (from each tree given) and leaves an audit entry with only its
        // kind and id.
        let audited = |subject, id: &str, what: &str| -> Result<()> {
            audit::append(v, actor, now, AuditAction::Purge, subject, Some(id), what)?;
            Ok(())
        };
        for (k, id, kind) in &purged_signals {
            let what = match kind {
                RecordKind::Signaal => {
                    report.signals += 1;
                    "signaal"
                }
                RecordKind::Adviesvraag => {
                    report.adviesvragen += 1;
                    "adviesvraag"
                }
            };
            v.remove_in(&SIGNALS, k)?;
            audited(AuditSubject::Signal, id, what)?;
        }
        for (k, id) in &dead_cases {
            report.cases += 1;
            v.remove_in(&CASES, k)?;
            audited(AuditSubject::Case, id, "casus")?;
        }
        let mut dead_inbox = Vec::new();
        v.for_each(&INBOX, |k, i: InboxItem| {
            if expired(inbox_deadline(&i, &r), today) {
                dead_inbox.push((k.to_vec(), i.id));
            }
            Ok(())
        })?;
        for (k, id) in &dead_inbox {
            report.received += 1;
            v.remove_in(&INBOX, k)?;
            v.put_in(&TOMBSTONES, k, &today)?;
            audited(AuditSubject::Bundle, id, "ontvangen bundel")?;
        }
        let mut old_tombstones = Vec::new();
        v.for_each(&TOMBSTONES, |k, purged: NaiveDate| {
            if expired(add_months(purged, TOMBSTONE_MONTHS), today) {
                old_tombstones.push(k.to_vec());
            }
            Ok(())
        })?;
        for k in &old_tombstones {
            v.remove_in(&TOMBSTONES, k)?;
        }
        let mut dead_outbox = Vec::new();
        v.for_each(&OUTBOX, |k, i: OutboxItem| {
            if expired(outbox_deadline(&i, &r), today) {
                dead_outbox.push((k.to_vec(), i.id));
            }
            Ok(())
        })?;
        for (k, id) in &dead_outbox {
            report.sent += 1;
            v.remove_in(&OUTBOX, k)?;
            v.remove_in(&OUTBOX_DATA, k)?;
            audited(AuditSubject::Bundle, id, "verzonden bundel")?;
        }
        let active = v.get(&ACTIVE_CONTROL)?;
        for (k, id) in &dead_controls {
            report.controls += 1;
            v.remove_in(&CONTROLS, k)?;
            if active.as_ref() == Some(id) {
                v.remove(&ACTIVE_CONTROL)?;
            }
            audited(AuditSubject::Control, id, "controle")?;
        }
        // A draft from before the draft's time was kept counts as saved today.
        if let Some(saved) = v.get(&DRAFT_SAVED_AT)? {
            if expired(draft_deadline(saved, &r), today) {
                report.drafts += 1;
                v.remove(&DRAFT)?;
                v.remove(&DRAFT_SAVED_AT)?;
                audit::append(
                    v,
                    actor,
                    now,
                    AuditAction::Purge,
                    AuditSubject::Signal,
                    None,
                    "concept",
                )?;
            }
        } else if v.get(&DRAFT)?.is_some() {
            v.put(&DRAFT_SAVED_AT, &now.naive_local())?;
        }
        if counted {
            // Done: nothing pending any more.
            v.put(
                &MONITOR_LEDGER,
                &crate::ledger::Ledger::from_counts(&ledger),
            )?;
        }
        v.put(&LAST_PURGE, &report)?;
        v.put(&LAST_PURGE_DAY, &today)?;
        v.sync()?;
        for (_, id, _) in &purged_signals {
            index.remove(id);
        }
        if report.total() > 0 {
            tracing::info!(
                signals = report.signals,
                adviesvragen = report.adviesvragen,
                cases = report.cases,
                received = report.received,
                sent = report.sent,
                "retention purge"
            );
        }
        Ok(report)
    }
}

#[cfg(any(test, feature = "testing"))]
thread_local! {
    /// Test hook (`testing::crash_purge_after_ledger_for_tests`): the next purge on this thread
    /// stops right after the ledger with its pending keys is durable, as a crash would.
    pub(crate) static CRASH_AFTER_LEDGER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Finishes a purge that a crash interrupted: the records the ledger counted but that were
/// not deleted yet are deleted now (not counted again), with one audit entry. Runs at unlock,
/// before the index is built.
/// Returns the ids of the signals it deleted (for the index).
pub(crate) fn finish_pending(v: &Vault, actor: &str, now: Now) -> Result<Vec<String>> {
    let Some(ledger) = v.get(&MONITOR_LEDGER)? else {
        return Ok(Vec::new());
    };
    if ledger.pending().is_empty() {
        return Ok(Vec::new());
    }
    let active = v.get(&ACTIVE_CONTROL)?;
    let mut n = 0;
    let mut signals = Vec::new();
    for (tree, key) in ledger.pending() {
        let gone = match tree.as_str() {
            t if t == SIGNALS.name => {
                if let Some(s) = v.get_in(&SIGNALS, key)? {
                    signals.push(s.id);
                }
                v.remove_in(&SIGNALS, key)?
            }
            t if t == CASES.name => v.remove_in(&CASES, key)?,
            t if t == CONTROLS.name => {
                if let (Some(id), Some(c)) = (&active, v.get_in(&CONTROLS, key)?) {
                    if c.id == *id {
                        v.remove(&ACTIVE_CONTROL)?;
                    }
                }
                v.remove_in(&CONTROLS, key)?
            }
            _ => false,
        };
        n += usize::from(gone);
    }
    audit::append(
        v,
        actor,
        now,
        AuditAction::Purge,
        AuditSubject::Device,
        None,
        &format!("onderbroken verwijdering afgerond ({n} registraties)"),
    )?;
    v.put(&MONITOR_LEDGER, &ledger.without_pending())?;
    v.sync()?;
    Ok(signals)
}

/// Whether the purge has not run yet on `now`'s calendar day (it runs at unlock and from the
/// app's timer).
pub(crate) fn purge_due(v: &Vault, now: Now) -> Result<bool> {
    Ok(v.get(&LAST_PURGE_DAY)? != Some(now.date_naive()))
}

/// The last purge run's report, if any.
pub(crate) fn last_purge(v: &Vault) -> Result<Option<PurgeReport>> {
    v.get(&LAST_PURGE)
}
