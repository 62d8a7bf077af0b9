//! The audit trail: every create, view of personal data, change, export, send, receive and
//! purge, as a hash chain.
//!
//! Entry `n` is stored sealed (like every record) in the tree `audit` under the big-endian
//! `u64` `n`, counted from 1. Its `hash` is
//! `SHA-256("zicht-audit-v1\0" ‖ JSON of the entry with hash = "")`, and the JSON includes
//! `prev`, the hash of entry `n − 1` (64 zeros for the first). The head (last seq and hash) is
//! kept sealed in `state/audit_head`, so removing the newest entries is found too.
//!
//! Architecture Invariant: an audit entry never holds personal data of the people in a signal:
//! `detail` is a fixed phrase, a status, a count or an id. The actor is the device user's
//! display name.

use crate::error::{CoreError, Result};
use crate::ids::Now;
use crate::schema::{AuditHead, AUDIT, AUDIT_HEAD};
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

/// Last seq and hash of the chain.
fn head(v: &Vault) -> Result<AuditHead> {
    Ok(v.get(&AUDIT_HEAD)?.unwrap_or(AuditHead {
        seq: 0,
        hash: ZERO.into(),
    }))
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
    let head = head(v)?;
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
        prev = e.hash;
        expected += 1;
    }
    if head.seq != expected - 1 || head.hash != prev {
        return broken(expected, "een ontbrekende laatste regel");
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
