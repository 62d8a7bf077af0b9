//! Retention: every record kind purged on the first day after its deadline and not a day
//! earlier (fixed clock), for real from the store, with an audit entry without personal data.

use crate::common::*;
use chrono::{DateTime, FixedOffset};
use zicht_core::retention::{case_deadline, signal_deadline};
use zicht_core::Zicht;
use zicht_model::*;

fn at(date: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(&format!("{date}T09:00:00+01:00")).unwrap()
}

fn count(z: &Zicht) -> usize {
    z.list_signals(&SignalFilter::default()).unwrap().len()
}

/// Deadlines as pure functions: a table of (kind, observed, terms) → deadline.
#[test]
fn deadlines_per_kind() {
    let r = Retention::default();
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let check = |kind, observed: &str, expected: &str| {
        assert_eq!(
            signal_deadline(kind, d(observed), &r),
            d(expected),
            "{kind:?} {observed}"
        );
    };
    check(RecordKind::Signaal, "2026-11-22", "2028-11-22");
    check(RecordKind::Adviesvraag, "2026-11-22", "2027-11-22");
    check(RecordKind::Signaal, "2024-02-29", "2026-02-28");
    assert_eq!(case_deadline(None, &r), None, "an open case is kept");
    assert_eq!(
        case_deadline(Some(local("2026-11-22T12:00")), &r),
        Some(d("2031-11-22"))
    );
}

#[test]
fn signals_go_the_day_after_their_deadline_and_not_before() {
    let dir = tempfile::tempdir().unwrap();
    let mut z = fresh(dir.path());
    let s = z.record_signal(signal_input(), now()).unwrap().signal; // observed 2026-11-22
    let mut q = signal_input();
    q.kind = RecordKind::Adviesvraag;
    let a = z.record_signal(q, now()).unwrap().signal;
    assert_eq!(s.retention_until.to_string(), "2028-11-22");
    assert_eq!(a.retention_until.to_string(), "2027-11-22");

    let r = z.purge_expired(at("2027-11-22")).unwrap();
    assert_eq!(r.total(), 0, "on the deadline itself nothing goes");
    assert_eq!(count(&z), 2);
    let r = z.purge_expired(at("2027-11-23")).unwrap();
    assert_eq!((r.adviesvragen, r.signals), (1, 0));
    assert_eq!(count(&z), 1);
    assert_eq!(
        z.signal(&a.id).unwrap_err().code(),
        zicht_model::ErrorCode::NotFound,
        "gone from the store"
    );
    assert_eq!(z.purge_expired(at("2028-11-22")).unwrap().total(), 0);
    assert_eq!(z.purge_expired(at("2028-11-23")).unwrap().signals, 1);
    assert_eq!(count(&z), 0);
    // Audited without personal data: kind and id only.
    let purges: Vec<AuditEntry> = z
        .audit_log(None)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == AuditAction::Purge)
        .collect();
    assert_eq!(purges.len(), 2);
    assert_eq!(purges[0].record.as_deref(), Some(a.id.as_str()));
    assert_eq!(purges[0].detail, "adviesvraag");
    assert_eq!(z.verify_audit().unwrap().broken_at, None);
    // What the UI shows afterwards.
    assert_eq!(z.last_purge().unwrap().unwrap().signals, 1);
    // Purged for real: not back after a restart.
    drop(z);
    let z = reopen(dir.path());
    assert_eq!(count(&z), 0);
}

#[test]
fn a_case_keeps_its_signals_until_the_closed_case_term_has_passed() {
    let mut r = region();
    let z = &mut r.officer;
    let s = z.record_signal(signal_input(), now()).unwrap().signal;
    let loose = z.record_signal(signal_input(), now()).unwrap().signal;
    let c = z
        .create_case(
            CaseInput {
                title: "Lange zaak".into(),
                signal_ids: vec![s.id.clone()],
                acute: false,
            },
            now(),
        )
        .unwrap();
    // Years later the open case still holds its signal; the loose one is gone.
    let rep = z.purge_expired(at("2030-01-01")).unwrap();
    assert_eq!((rep.signals, rep.cases), (1, 0));
    assert!(z.signal(&s.id).is_ok());
    assert!(z.signal(&loose.id).is_err());
    // Closed on 2030-01-02: kept until 2035-01-02 inclusive.
    z.set_case_status(&c.id, CaseStatus::Afgesloten, at("2030-01-02"))
        .unwrap();
    assert_eq!(
        z.cases().unwrap()[0].retention_until.unwrap().to_string(),
        "2035-01-02"
    );
    assert_eq!(z.purge_expired(at("2035-01-02")).unwrap().total(), 0);
    let rep = z.purge_expired(at("2035-01-03")).unwrap();
    assert_eq!((rep.cases, rep.signals), (1, 1));
    assert!(z.cases().unwrap().is_empty());
    assert!(z.signal(&s.id).is_err());
}

#[test]
fn received_and_sent_bundles_expire_too() {
    let mut r = region();
    let s = r
        .inspector
        .record_signal(signal_input(), now())
        .unwrap()
        .signal;
    let item = r
        .inspector
        .send_signals(&[s.id], &["af".into()], now())
        .unwrap();
    carry(&r.inspector, &item, &mut r.officer, now());
    assert_eq!(
        r.officer.purge_expired(at("2028-11-22")).unwrap().received,
        0
    );
    assert_eq!(
        r.officer.purge_expired(at("2028-11-23")).unwrap().received,
        1
    );
    assert!(r.officer.inbox().unwrap().is_empty());
    let rep = r.inspector.purge_expired(at("2028-11-23")).unwrap();
    assert_eq!((rep.sent, rep.signals), (1, 1));
    assert!(r.inspector.outbox().unwrap().is_empty());
    assert_eq!(
        r.inspector.outbox_bundle(&item.id).unwrap_err().code(),
        zicht_model::ErrorCode::NotFound
    );
}

#[test]
fn shorter_terms_apply_at_the_next_run_and_bounds_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let mut z = fresh(dir.path());
    z.record_signal(signal_input(), now()).unwrap();
    let mut settings = z.settings().unwrap();
    settings.retention.signaal_months = 0;
    settings.retention.closed_case_months = 121;
    let e = z.set_settings(settings.clone(), now()).unwrap_err();
    let fields: Vec<&str> = e.fields().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        ["retention.signaal_months", "retention.closed_case_months"]
    );
    settings.retention.signaal_months = 1;
    settings.retention.closed_case_months = 60;
    z.set_settings(settings, now()).unwrap();
    let id = z.list_signals(&SignalFilter::default()).unwrap()[0]
        .id
        .clone();
    assert_eq!(
        z.signal(&id).unwrap().retention_until.to_string(),
        "2026-12-22"
    );
    assert_eq!(z.purge_expired(at("2026-12-23")).unwrap().signals, 1);
}

#[test]
fn the_purge_runs_at_unlock_once_a_day() {
    let dir = tempfile::tempdir().unwrap();
    let mut z = fresh(dir.path());
    z.record_signal(signal_input(), now()).unwrap();
    z.lock();
    z.unlock(PASS.into(), at("2029-01-01"), UP).unwrap();
    assert_eq!(count(&z), 0, "unlock purged the expired signal");
    assert_eq!(z.last_purge().unwrap().unwrap().signals, 1);
    assert_eq!(
        z.purge_if_due(at("2029-01-01")).unwrap(),
        None,
        "once a day"
    );
    assert!(z.purge_if_due(at("2029-01-02")).unwrap().is_some());
}
