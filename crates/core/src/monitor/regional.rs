//! The regional monitor: an attention officer shares the municipality's figures with the
//! regional table as a bundle of counts ([`MonitorShare`]: per month, record kind, breakdown
//! and category; never a record), and the table's device keeps the latest per municipality
//! and month and shows the region's figures: the municipalities' counts added up first, then
//! protected like any report (so a small municipality's cell is not the regional total minus
//! the others). The table never needs case data to see the region's picture.

use crate::error::{CoreError, Result};
use crate::facts::Fact;
use crate::ids::Now;
use crate::ledger::{month_of, LedgerCounts, LedgerKey};
use crate::schema::{CASES, CONTROLS, MONITOR_LEDGER, REGIONAL, SIGNALS};
use crate::session::Zicht;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use zicht_model::*;

/// What the table keeps of one municipality: per month, the counts of the newest share.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionalEntry {
    pub municipality: String,
    pub months: BTreeMap<String, RegionalMonth>,
    /// When the newest share arrived and was sent.
    pub last_sent_at: Option<NaiveDateTime>,
    pub last_received_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionalMonth {
    pub sent_at: NaiveDateTime,
    pub cells: Vec<MonitorCell>,
}

/// Months shared: the last three years up to the current month.
const SHARED_MONTHS: u32 = 36;

impl Zicht {
    /// Seals this municipality's figures of the last three years (records held and the ledger
    /// of purged ones, counts only) for the regional table, into the outbox; audited.
    pub fn share_monitor(&mut self, now: Now) -> Result<OutboxItem> {
        let profile = self.session()?.profile.clone();
        if profile.role != Role::Aandachtsfunctionaris {
            return Err(CoreError::field(
                "role",
                "Alleen de aandachtsfunctionaris deelt de cijfers van de gemeente met de regio.",
            ));
        }
        let (dir, _) = self.directory_and_me()?;
        let to: Vec<Participant> = dir
            .participants
            .into_iter()
            .filter(|p| p.role == ParticipantRole::RegionaleTafel && !p.revoked)
            .collect();
        if to.is_empty() {
            return Err(CoreError::field(
                "recipients",
                "Het deelnemersoverzicht noemt geen regionale tafel om de cijfers aan te sturen.",
            ));
        }
        let last = now.date_naive();
        let first = last
            .checked_sub_months(chrono::Months::new(SHARED_MONTHS - 1))
            .unwrap_or(last);
        let (from, until) = (month_of(first), month_of(last));
        let counts = self.own_counts(&profile.municipality)?;
        let cells: Vec<MonitorCell> = counts
            .0
            .iter()
            .filter(|(k, _)| from <= k.month && k.month <= until)
            .map(|(k, n)| MonitorCell {
                month: k.month.clone(),
                record: k.record.clone(),
                dim: k.dim.clone(),
                // A meldroute contact travels as an id of plain characters only.
                category: if k.dim == crate::facts::Dim::StepTaken.id() {
                    slug(&k.category)
                } else {
                    k.category.clone()
                },
                count: *n,
            })
            .collect();
        // Two contacts whose ids differ only in case or punctuation become one cell.
        let mut merged: BTreeMap<(String, String, String, String), u64> = BTreeMap::new();
        for c in cells {
            *merged
                .entry((c.month, c.record, c.dim, c.category))
                .or_default() += c.count;
        }
        let cells: Vec<MonitorCell> = merged
            .into_iter()
            .map(|((month, record, dim, category), count)| MonitorCell {
                month,
                record,
                dim,
                category,
                count,
            })
            .collect();
        let payload = BundlePayload {
            version: crate::outbox::PAYLOAD_VERSION,
            sent_at: now.naive_local(),
            sender: profile.clone(),
            signals: Vec::new(),
            legal_basis: None,
            case: None,
            decision: None,
            monitor: Some(MonitorShare {
                municipality: profile.municipality.clone(),
                from: from.clone(),
                to: until.clone(),
                cells,
            }),
        };
        crate::validate::check_payload(&payload, now.naive_local())?;
        let item = self.seal_into_outbox(&payload, &to, &[], now)?;
        self.audit(
            now,
            AuditAction::Send,
            AuditSubject::Monitor,
            Some(&item.id),
            &format!("cijfers gedeeld met de regionale tafel, {from} t/m {until}"),
        )?;
        self.kv.sync()?;
        Ok(item)
    }

    /// This municipality's counts: every record held, and the ledger of purged ones.
    fn own_counts(&self, municipality: &str) -> Result<LedgerCounts> {
        let v = self.vault()?;
        let mut counts = v.get(&MONITOR_LEDGER)?.unwrap_or_default().counts();
        counts
            .0
            .retain(|k, _| k.municipality.eq_ignore_ascii_case(municipality));
        let mut control_types = std::collections::HashMap::new();
        v.for_each(&CONTROLS, |_, c: Control| {
            counts.absorb_control(c.started_at.date(), municipality, c.kind.wire());
            control_types.insert(c.id, c.kind.wire());
            Ok(())
        })?;
        v.for_each(&SIGNALS, |_, s: Signal| {
            if s.municipality.eq_ignore_ascii_case(municipality) {
                let control = s
                    .control_id
                    .as_ref()
                    .and_then(|c| control_types.get(c))
                    .copied();
                counts.absorb(&Fact::of_signal(&s), control);
            }
            Ok(())
        })?;
        v.for_each(&CASES, |_, c: Case| {
            if c.municipality.eq_ignore_ascii_case(municipality) {
                counts.absorb(&Fact::of_case(&c), None);
            }
            Ok(())
        })?;
        Ok(counts)
    }

    /// Keeps a municipality's shared figures (the table's side; the bundle is verified and
    /// its sender checked by `import_bundle`): per month, the newest share wins.
    pub(crate) fn keep_monitor_share(
        &mut self,
        share: &MonitorShare,
        sent_at: NaiveDateTime,
        now: Now,
    ) -> Result<()> {
        let v = self.vault()?;
        let key = share.municipality.to_lowercase().into_bytes();
        let mut entry: RegionalEntry = v.get_in(&REGIONAL, &key)?.unwrap_or_default();
        entry.municipality = share.municipality.clone();
        let mut months: BTreeMap<String, Vec<MonitorCell>> = BTreeMap::new();
        for c in &share.cells {
            months.entry(c.month.clone()).or_default().push(c.clone());
        }
        // Every month of the share's span, also those without a count (nothing happened).
        let mut m = share.from.clone();
        let mut guard = 0;
        while m <= share.to && guard < 1200 {
            let newer = entry
                .months
                .get(&m)
                .is_none_or(|old| old.sent_at <= sent_at);
            if newer {
                entry.months.insert(
                    m.clone(),
                    RegionalMonth {
                        sent_at,
                        cells: months.remove(&m).unwrap_or_default(),
                    },
                );
            }
            m = next_month(&m);
            guard += 1;
        }
        if entry.last_sent_at.is_none_or(|t| t <= sent_at) {
            entry.last_sent_at = Some(sent_at);
        }
        entry.last_received_at = Some(now.naive_local());
        v.put_in(&REGIONAL, &key, &entry)?;
        Ok(())
    }

    /// The region's counts: every municipality's newest shares, as one ledger.
    pub(crate) fn regional_counts(&self) -> Result<LedgerCounts> {
        let mut counts = LedgerCounts::default();
        self.vault()?.for_each(&REGIONAL, |_, e: RegionalEntry| {
            for month in e.months.values() {
                for c in &month.cells {
                    *counts
                        .0
                        .entry(LedgerKey {
                            month: c.month.clone(),
                            record: c.record.clone(),
                            municipality: e.municipality.clone(),
                            dim: c.dim.clone(),
                            category: c.category.clone(),
                        })
                        .or_default() += c.count;
                }
            }
            Ok(())
        })?;
        Ok(counts)
    }

    /// Which municipalities shared their figures, and when last (the table's view).
    pub fn regional_sources(&self) -> Result<Vec<RegionalSource>> {
        let mut out = Vec::new();
        self.vault()?.for_each(&REGIONAL, |_, e: RegionalEntry| {
            out.push(RegionalSource {
                municipality: e.municipality,
                sent_at: e.last_sent_at,
                received_at: e.last_received_at,
                from: e.months.keys().next().cloned().unwrap_or_default(),
                to: e.months.keys().next_back().cloned().unwrap_or_default(),
            });
            Ok(())
        })?;
        out.sort_by(|a, b| a.municipality.cmp(&b.municipality));
        Ok(out)
    }
}

/// A contact id as lower-case letters, digits and `-`, at most 64 characters.
fn slug(s: &str) -> String {
    let out: String = s
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    if out.is_empty() {
        "overig".into()
    } else {
        out
    }
}

/// `YYYY-MM` → the next month.
fn next_month(m: &str) -> String {
    chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
        .map(month_of)
        .unwrap_or_else(|| "9999-12".into())
}
