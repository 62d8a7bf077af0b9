//! The audit trail: every create, view of personal data, change, export, send, receive and
//! purge, as a hash chain.
//!
//! Entry `n` is stored sealed (like every record) in the tree `audit` under the big-endian
//! `u64` `n`, counted from 1. Its `hash` is
//! `SHA-256("zicht-audit-v1\0" ‖ JSON of the entry with hash = "")`, and the JSON includes
//! `prev`, the hash of entry `n − 1` (64 zeros for the first). The head (last seq and hash) is
//! kept sealed in `state/audit_head`, so removing the newest entries is found too.
//!
//! What one device cannot prove on its own, an anchor outside it can: each sync round sends
//! the head to the regional endpoint, which countersigns it (`zicht_protocol::anchor`); the
//! device keeps the latest countersigned head in `state/audit_anchor`. Deleting the whole
//! chain, cutting its tail together with the head, or putting back an old copy of the data
//! directory then leaves a chain that ends before (or differs from) the anchor, and
//! [`verify`] says so; if the anchor slot is deleted too, the endpoint hands its copy back at
//! the next sync.
//!
//! Architecture Invariant: a set-up store has a head, and entry 1 is the setup entry, written
//! before the store counts as set up.
//!
//! Architecture Invariant: an audit entry never holds personal data of the people in a signal:
//! `detail` is a fixed phrase, a status, a count or an id. The actor is the device user's
//! display name.

use crate::error::{CoreError, Result};
use crate::ids::Now;
use crate::schema::{AuditHead, AUDIT, AUDIT_ANCHOR, AUDIT_HEAD};
use crate::vault::Vault;
use ring::digest::{digest, SHA256};
use zicht_model::{AuditAction, AuditEntry, AuditSubject, AuditVerification};

const ZERO: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash of an entry, over every field but `hash` itself.
pub fn entry_hash(e: &AuditEntry) -> String {
    let mut unhashed = e.clone();
    unhashed.hash = String::new();
    let json = serde_json::to_vec(&unhashed).unwrap_or_default();
    let mut input = b"zicht-audit-v1\0".to_vec();
    input.extend_from_slice(&json);
    digest(&SHA256, &input)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Last seq and hash of the chain. A set-up store always has one ([`start`]).
fn head(v: &Vault) -> Result<AuditHead> {
    v.get(&AUDIT_HEAD)?.ok_or(CoreError::Corrupt)
}

/// Starts the chain of a store being set up: entry 1, the setup entry, and the head. Anything
/// an earlier, interrupted setup left in the audit tree (sealed under a key that is gone) is
/// removed first.
pub(crate) fn start(v: &Vault, actor: &str, now: Now, detail: &str) -> Result<AuditEntry> {
    for k in v.keys(&AUDIT)? {
        v.remove_in(&AUDIT, &k)?;
    }
    v.remove(&AUDIT_ANCHOR)?;
    v.put(
        &AUDIT_HEAD,
        &AuditHead {
            seq: 0,
            hash: ZERO.into(),
        },
    )?;
    append(
        v,
        actor,
        now,
        AuditAction::Setup,
        AuditSubject::Device,
        None,
        detail,
    )
}

/// The head to send to the endpoint for countersigning, and the anchor it builds on; `None`
/// when there is nothing to anchor or the chain no longer contains the anchor kept (then the
/// anchor must stay where it is, as evidence, and [`verify`] reports the break).
pub(crate) fn anchor_request(v: &Vault) -> Result<Option<zicht_protocol::AnchorRequest>> {
    let Some(h) = v.get(&AUDIT_HEAD)? else {
        return Ok(None);
    };
    if h.seq == 0 {
        return Ok(None);
    }
    let since = v.get(&AUDIT_ANCHOR)?;
    if let Some(a) = &since {
        if !contains(v, &h, a.seq, &a.hash)? {
            return Ok(None);
        }
    }
    Ok(Some(zicht_protocol::AnchorRequest {
        seq: h.seq,
        hash: h.hash,
        since: since.map(|a| zicht_protocol::AnchorPoint {
            seq: a.seq,
            hash: a.hash,
        }),
    }))
}

/// Whether the chain up to `head` has entry `seq` with `hash`.
fn contains(v: &Vault, head: &AuditHead, seq: u64, hash: &str) -> Result<bool> {
    if seq > head.seq {
        return Ok(false);
    }
    if seq == head.seq {
        return Ok(head.hash == hash);
    }
    Ok(v.get_in(&AUDIT, &seq.to_be_bytes())
        .ok()
        .flatten()
        .is_some_and(|e| e.hash == hash))
}

/// Keeps an anchor the endpoint countersigned (its signature checked by the caller) and says
/// whether this chain contains it. The endpoint's word replaces the device's: when it kept an
/// anchor this chain does not contain, that anchor is kept here (no later round moves it, see
/// [`anchor_request`]), and [`verify`] reports the chain as broken. An anchor older than the
/// one kept is not taken (`None`): anchors only move forward.
pub(crate) fn keep_anchor(v: &Vault, a: &zicht_protocol::Anchor) -> Result<Option<bool>> {
    if v.get(&AUDIT_ANCHOR)?.is_some_and(|kept| kept.seq > a.seq) {
        return Ok(None);
    }
    v.put(&AUDIT_ANCHOR, a)?;
    let head = v.get(&AUDIT_HEAD)?.unwrap_or_default();
    contains(v, &head, a.seq, &a.hash).map(Some)
}

/// Appends one entry (not synced: the caller's own `sync` makes it durable with its change).
pub(crate) fn append(
    v: &Vault,
    actor: &str,
    now: Now,
    action: AuditAction,
    subject: AuditSubject,
    record: Option<&str>,
    detail: &str,
) -> Result<AuditEntry> {
    let h = head(v)?;
    let mut e = AuditEntry {
        seq: h.seq + 1,
        at: now.naive_local(),
        actor: actor.into(),
        action,
        subject,
        record: record.map(str::to_owned),
        detail: detail.into(),
        prev: h.hash,
        hash: String::new(),
    };
    e.hash = entry_hash(&e);
    v.put_in(&AUDIT, &e.seq.to_be_bytes(), &e)?;
    v.put(
        &AUDIT_HEAD,
        &AuditHead {
            seq: e.seq,
            hash: e.hash.clone(),
        },
    )?;
    Ok(e)
}

/// Walks the chain and reports the first position that is missing, altered or unreadable.
pub(crate) fn verify(v: &Vault) -> Result<AuditVerification> {
    let keys = v.keys(&AUDIT)?;
    let mut prev = ZERO.to_string();
    let mut expected = 1u64;
    let broken = |at: u64, why: &str| {
        Ok(AuditVerification {
            entries: keys.len() as u64,
            broken_at: Some(at),
            message: format!("De auditlog is niet intact: {why} bij regel {at}."),
        })
    };
    let Some(head) = v.get(&AUDIT_HEAD)? else {
        return broken(1, "de kop van de auditlog ontbreekt");
    };
    let anchor = v.get(&AUDIT_ANCHOR)?;
    for k in &keys {
        let Ok(seq) = <[u8; 8]>::try_from(k.as_slice()).map(u64::from_be_bytes) else {
            return broken(expected, "een onbekende sleutel");
        };
        if seq != expected {
            return broken(expected, "een ontbrekende regel");
        }
        let e: AuditEntry = match v.get_in(&AUDIT, k) {
            Ok(Some(e)) => e,
            _ => return broken(seq, "een onleesbare regel"),
        };
        if e.seq != seq || e.prev != prev || entry_hash(&e) != e.hash {
            return broken(seq, "een gewijzigde regel");
        }
        if seq == 1 && e.action != AuditAction::Setup {
            return broken(1, "een eerste regel die niet de inrichting is");
        }
        if let Some(a) = anchor.as_ref().filter(|a| a.seq == seq && a.hash != e.hash) {
            return broken(
                seq,
                &format!(
                    "een andere regel dan het regionale knooppunt op {} bevestigde",
                    anchor_date(a)
                ),
            );
        }
        prev = e.hash;
        expected += 1;
    }
    if keys.is_empty() {
        return broken(1, "een ontbrekende eerste regel (de inrichting)");
    }
    if head.seq != expected - 1 || head.hash != prev {
        return broken(expected, "een ontbrekende laatste regel");
    }
    if let Some(a) = anchor.as_ref().filter(|a| a.seq > head.seq) {
        return broken(
            expected,
            &format!(
                "een log die eindigt vóór regel {}, die het regionale knooppunt op {} bevestigde (er zijn regels verwijderd of een oude kopie teruggezet)",
                a.seq,
                anchor_date(a)
            ),
        );
    }
    Ok(AuditVerification {
        entries: keys.len() as u64,
        broken_at: None,
        message: format!(
            "De auditlog is intact ({} regels gecontroleerd).",
            keys.len()
        ),
    })
}

/// The day an anchor was countersigned, for messages (UTC; the endpoint's clock).
fn anchor_date(a: &zicht_protocol::Anchor) -> String {
    chrono::DateTime::from_timestamp_millis(a.at_ms).map_or_else(
        || "een onbekende datum".into(),
        |t| t.format("%d-%m-%Y").to_string(),
    )
}

/// The trail, oldest first; only entries about `record` when given.
pub(crate) fn log(v: &Vault, record: Option<&str>) -> Result<Vec<AuditEntry>> {
    let mut out = Vec::new();
    v.for_each(&AUDIT, |_, e: AuditEntry| {
        if record.is_none_or(|r| e.record.as_deref() == Some(r)) {
            out.push(e);
        }
        Ok(())
    })?;
    Ok(out)
}

/// The file name the audit log is exported under: `zicht-auditlog-<date>.jsonl`.
pub fn file_name(now: Now) -> String {
    format!("zicht-auditlog-{}.jsonl", now.format("%Y-%m-%d"))
}

/// The whole trail as JSON lines (one entry per line, with `prev` and `hash`, so it can be
/// checked outside Zicht), and the number of lines.
pub(crate) fn to_json_lines(v: &Vault) -> Result<(Vec<u8>, usize)> {
    let entries = log(v, None)?;
    let mut text = Vec::new();
    for e in &entries {
        serde_json::to_writer(&mut text, e).map_err(|_| CoreError::Corrupt)?;
        text.push(b'\n');
    }
    Ok((text, entries.len()))
}
