//! The audit trail: a hash chain of who did what to which record, when. `verify` finds any
//! removed or altered entry and names its position; the export can be checked outside Zicht.

use crate::common::*;
use zicht_core::audit::entry_hash;
use zicht_core::Zicht;
use zicht_model::*;

/// A store with a few audited actions: setup, two signals, a view, a settings change.
fn busy(dir: &std::path::Path) -> Zicht {
    let mut z = fresh(dir);
    let a = z.record_signal(signal_input(), later(1)).unwrap().signal;
    z.record_signal(signal_input(), later(2)).unwrap();
    z.view_signal(&a.id, later(3)).unwrap();
    z.set_settings(Settings::default(), later(4)).unwrap();
    z
}

#[test]
fn every_action_is_chained_and_the_chain_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let z = busy(dir.path());
    let log = z.audit_log(None).unwrap();
    let actions: Vec<(AuditAction, AuditSubject)> =
        log.iter().map(|e| (e.action, e.subject)).collect();
    assert_eq!(
        actions,
        [
            (AuditAction::Setup, AuditSubject::Device),
            (AuditAction::Create, AuditSubject::Signal),
            (AuditAction::Create, AuditSubject::Signal),
            (AuditAction::View, AuditSubject::Signal),
            (AuditAction::Change, AuditSubject::Settings),
        ]
    );
    for (i, e) in log.iter().enumerate() {
        assert_eq!(e.seq, i as u64 + 1);
        assert_eq!(e.actor, "Test Toezicht");
        assert_eq!(e.hash, entry_hash(e));
        if i > 0 {
            assert_eq!(e.prev, log[i - 1].hash);
        }
    }
    let v = z.verify_audit().unwrap();
    assert_eq!((v.entries, v.broken_at), (5, None));
    // It survives a restart and keeps chaining.
    drop(z);
    let z = reopen(dir.path());
    z.view_signal(
        &z.list_signals(&SignalFilter::default()).unwrap()[0].id,
        later(5),
    )
    .unwrap();
    assert_eq!(z.verify_audit().unwrap().broken_at, None);
    assert_eq!(z.audit_log(None).unwrap().len(), 6);
}

/// Tamper with one stored entry in each possible way: verify names exactly that position.
#[test]
fn verify_reports_the_position_of_a_tampered_or_removed_entry() {
    type Tamper = fn(&Zicht, &mut AuditEntry) -> bool;
    let cases: &[(&str, u64, Tamper)] = &[
        ("detail changed", 3, |_, e| {
            e.detail = "iets anders".into();
            true
        }),
        ("actor changed", 2, |_, e| {
            e.actor = "Iemand anders".into();
            true
        }),
        ("time changed, hash recomputed", 4, |_, e| {
            e.at += chrono::Duration::hours(1);
            e.hash = entry_hash(e);
            // The next entry's `prev` no longer matches: found one later.
            true
        }),
        ("middle entry removed", 3, |z, e| {
            z.vault_for_tests()
                .unwrap()
                .remove("audit", &e.seq.to_be_bytes())
                .unwrap();
            false
        }),
        ("last entry removed", 5, |z, e| {
            z.vault_for_tests()
                .unwrap()
                .remove("audit", &e.seq.to_be_bytes())
                .unwrap();
            false
        }),
    ];
    for (name, at, tamper) in cases {
        let dir = tempfile::tempdir().unwrap();
        let z = busy(dir.path());
        let mut e = z.audit_log(None).unwrap()[(*at - 1) as usize].clone();
        if tamper(&z, &mut e) {
            z.vault_for_tests()
                .unwrap()
                .put("audit", &e.seq.to_be_bytes(), &e)
                .unwrap();
        }
        let expect = if *name == "time changed, hash recomputed" {
            at + 1
        } else {
            *at
        };
        let v = z.verify_audit().unwrap();
        assert_eq!(v.broken_at, Some(expect), "{name}: {}", v.message);
        assert!(v.message.contains(&format!("regel {expect}")), "{name}");
    }
}

#[test]
fn a_damaged_stored_entry_is_reported_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let z = busy(dir.path());
    // A sealed value under entry 2 that is not an audit entry.
    z.vault_for_tests()
        .unwrap()
        .put("audit", &2u64.to_be_bytes(), &"geen auditregel")
        .unwrap();
    assert_eq!(z.verify_audit().unwrap().broken_at, Some(2));
}

#[test]
fn export_is_json_lines_that_verify_outside_zicht_and_hold_no_signal_content() {
    let dir = tempfile::tempdir().unwrap();
    let mut z = fresh(dir.path());
    let mut input = signal_input();
    input.observation = format!("{CANARY_AUDIT} in het chalet");
    let s = z.record_signal(input, later(1)).unwrap().signal;
    z.view_signal(&s.id, later(2)).unwrap();
    let out = tempfile::tempdir().unwrap();
    let path = z.export_audit(out.path(), later(3)).unwrap();
    assert_eq!(path.file_name().unwrap(), "zicht-auditlog-2026-11-22.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains(CANARY_AUDIT),
        "no signal content in the audit log"
    );
    let entries: Vec<AuditEntry> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        entries.len(),
        4,
        "setup, create, view, and the export itself"
    );
    assert_eq!(entries[3].action, AuditAction::Export);
    let mut prev = "0".repeat(64);
    for e in &entries {
        assert_eq!(e.prev, prev);
        assert_eq!(entry_hash(e), e.hash);
        prev = e.hash.clone();
    }
}

const CANARY_AUDIT: &str = "KANARIE-AUDIT-7731";

/// Finding 8 of Zicht 5 (issue 14): a missing head counted as an empty chain, so deleting
/// every `audit/*` key and the head (no key needed) left a chain that verified as intact, and
/// nothing said that entry 1 must be the setup. Guards the rules of `audit::verify` for a
/// set-up store.
fn remove_every_entry(z: &Zicht) {
    for e in z.audit_log(None).unwrap() {
        z.vault_for_tests()
            .unwrap()
            .remove("audit", &e.seq.to_be_bytes())
            .unwrap();
    }
}

fn remove_head(z: &Zicht) {
    z.vault_for_tests()
        .unwrap()
        .remove("state", b"audit_head")
        .unwrap();
}

#[test]
fn finding_8_a_set_up_store_with_its_chain_wiped_is_broken() {
    type Wipe = fn(&Zicht);
    let cases: &[(&str, Wipe, u64, &str)] = &[
        (
            "head removed",
            remove_head,
            1,
            "de kop van de auditlog ontbreekt",
        ),
        (
            "every entry and the head removed",
            |z| {
                remove_every_entry(z);
                remove_head(z);
            },
            1,
            "de kop van de auditlog ontbreekt",
        ),
        (
            "every entry removed, an empty head put back",
            |z| {
                remove_every_entry(z);
                z.vault_for_tests()
                    .unwrap()
                    .put(
                        "state",
                        b"audit_head",
                        &serde_json::json!({"seq": 0, "hash": "0".repeat(64)}),
                    )
                    .unwrap();
            },
            1,
            "ontbrekende eerste regel",
        ),
        (
            "a new chain without the setup entry",
            |z| {
                // Entry 1 replaced by a well-formed entry of another kind, hash recomputed,
                // and the rest of the chain rebuilt on it: every link is right.
                let mut log = z.audit_log(None).unwrap();
                let mut prev = "0".repeat(64);
                log[0].action = AuditAction::View;
                for e in &mut log {
                    e.prev = prev.clone();
                    e.hash = entry_hash(e);
                    prev = e.hash.clone();
                    z.vault_for_tests()
                        .unwrap()
                        .put("audit", &e.seq.to_be_bytes(), &*e)
                        .unwrap();
                }
                let last = log.last().unwrap();
                z.vault_for_tests()
                    .unwrap()
                    .put(
                        "state",
                        b"audit_head",
                        &serde_json::json!({"seq": last.seq, "hash": last.hash}),
                    )
                    .unwrap();
            },
            1,
            "niet de inrichting",
        ),
    ];
    for (name, wipe, at, why) in cases {
        let dir = tempfile::tempdir().unwrap();
        let z = busy(dir.path());
        assert_eq!(z.verify_audit().unwrap().broken_at, None, "{name}");
        wipe(&z);
        let v = z.verify_audit().unwrap();
        assert_eq!(v.broken_at, Some(*at), "{name}: {}", v.message);
        assert!(v.message.contains(why), "{name}: {}", v.message);
    }
}

/// Finding 8: setup writes the setup entry before the store counts as set up, so a setup that
/// a crash interrupted and that runs again starts a clean chain (nothing sealed under the lost
/// key is left in it).
#[test]
fn finding_8_setup_run_again_after_an_interrupted_one_starts_a_clean_chain() {
    let dir = tempfile::tempdir().unwrap();
    {
        let z = busy(dir.path());
        // What a crash between the first records and the key wrap would leave: records sealed
        // under a key that is gone, and no key wrap.
        drop(z);
        zicht_core::testing::forget_key_wrap_for_tests(dir.path()).unwrap();
    }
    let z = fresh(dir.path());
    let log = z.audit_log(None).unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].action, AuditAction::Setup);
    assert_eq!(z.verify_audit().unwrap().broken_at, None);
}
