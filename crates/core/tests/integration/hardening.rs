//! Regression tests for the findings of the security review (issue "Zicht 5"), one per
//! finding, named after it. Each failed on the code before its fix.

use crate::common::*;
use zicht_core::PAYLOAD_VERSION;
use zicht_model::*;

fn decision_payload(sender: Profile) -> BundlePayload {
    BundlePayload {
        version: PAYLOAD_VERSION,
        sent_at: now().naive_local(),
        sender,
        signals: Vec::new(),
        legal_basis: None,
        case: None,
        decision: Some(Decision {
            case_id: "0192f0e0-0000-7000-8000-000000000000".into(),
            track: Track::ZorgEnStrafrecht,
            explanation: "Door de tafel besloten".into(),
            decided_at: now().naive_local(),
            decided_by: "Iemand".into(),
        }),
    }
}

/// Finding 2: any participant could send a "decision"; an inspector's bundle carrying one was
/// shown as the regional table's. Now the sender's role is checked against the payload kind
/// before anything is stored, and the refusal is audited.
#[test]
fn finding_2_a_decision_from_an_inspector_is_refused_and_audited() {
    let mut r = region();
    let profile = r.inspector.profile().unwrap();
    let item = r
        .inspector
        .seal_payload_for_tests(&decision_payload(profile), &["af"], now())
        .unwrap();
    let bytes = r.inspector.outbox_bundle(&item.id).unwrap();
    let e = r.officer.import_bundle(&bytes, now()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::BundleSenderNotAllowed);
    assert!(
        e.message()
            .contains("'Toezichthouder' mag geen besluiten sturen"),
        "{}",
        e.message()
    );
    assert!(r.officer.inbox().unwrap().is_empty(), "nothing stored");
    assert!(r.officer.incoming().unwrap().is_empty());
    let last = r.officer.audit_log(None).unwrap().pop().unwrap();
    assert_eq!(last.action, AuditAction::Refuse);
    assert_eq!(last.record.as_deref(), Some(item.id.as_str()));
    // The same decision from the regional table is taken.
    let table = r.table.profile().unwrap();
    let ok = r
        .table
        .seal_payload_for_tests(&decision_payload(table), &["af"], now())
        .unwrap();
    let bytes = r.table.outbox_bundle(&ok.id).unwrap();
    assert!(r.officer.import_bundle(&bytes, now()).is_ok());
}

/// The rule itself, as data: which role may send which kind.
#[test]
fn finding_2_who_may_send_what() {
    use ParticipantRole::*;
    for (kind, role, allowed) in [
        (PayloadKind::Decision, RegionaleTafel, true),
        (PayloadKind::Decision, Aandachtsfunctionaris, false),
        (PayloadKind::Decision, Toezichthouder, false),
        (PayloadKind::Case, Aandachtsfunctionaris, true),
        (PayloadKind::Case, Toezichthouder, false),
        (PayloadKind::Case, RegionaleTafel, false),
        (PayloadKind::Signals, Toezichthouder, true),
        (PayloadKind::Signals, Aandachtsfunctionaris, true),
        (PayloadKind::Signals, RegionaleTafel, false),
    ] {
        assert_eq!(
            kind.senders().contains(&role),
            allowed,
            "{kind:?} from {role:?}"
        );
    }
}

/// Finding 10: drafts and field controls (location, partners) were never purged. They now
/// have deadlines and go with the daily purge, audited like the rest.
#[test]
fn finding_10_old_controls_and_drafts_are_purged() {
    let dir = tempfile::tempdir().unwrap();
    let mut z = fresh(dir.path());
    let control = z.start_control(control_input(), now()).unwrap();
    z.end_control(&control.id, now()).unwrap();
    let running = z.start_control(control_input(), now()).unwrap();
    z.save_draft(&signal_input(), now()).unwrap();
    // The day after the signal term (24 months): the control and its place are gone; the
    // draft went with the shorter adviesvraag term already.
    let later = now() + chrono::Months::new(24) + chrono::Duration::days(2);
    let report = z.purge_expired(later).unwrap();
    assert_eq!((report.controls, report.drafts), (2, 1), "{report:?}");
    assert!(z.controls().unwrap().is_empty());
    assert!(z.active_control().unwrap().is_none(), "{}", running.id);
    assert!(z.load_draft().unwrap().is_none());
    let purged: Vec<_> = z
        .audit_log(None)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == AuditAction::Purge)
        .map(|e| e.detail)
        .collect();
    assert_eq!(purged, ["controle", "controle", "concept"]);
}

/// Finding 10, the other side: within their terms nothing is purged.
#[test]
fn finding_10_recent_controls_and_drafts_stay() {
    let dir = tempfile::tempdir().unwrap();
    let mut z = fresh(dir.path());
    z.start_control(control_input(), now()).unwrap();
    z.save_draft(&signal_input(), now()).unwrap();
    let report = z.purge_expired(now() + chrono::Months::new(11)).unwrap();
    assert_eq!((report.controls, report.drafts), (0, 0));
    assert_eq!(z.controls().unwrap().len(), 1);
    assert!(z.load_draft().unwrap().is_some());
}

fn control_input() -> ControlInput {
    ControlInput {
        kind: ControlType::BranchegerichteControle,
        started_at: None,
        location: Location {
            description: "Kamerverhuurpand Spoorstraat".into(),
            lat: None,
            lon: None,
        },
        partners: vec![ControlPartner::Politie],
    }
}

fn signals_payload(sender: Profile, observed: chrono::NaiveDateTime) -> BundlePayload {
    let mut s = Signal {
        observed_at: observed,
        ..signal_for_payload()
    };
    s.recorded_at = now().naive_local();
    BundlePayload {
        version: PAYLOAD_VERSION,
        sent_at: now().naive_local(),
        sender,
        signals: vec![s],
        legal_basis: None,
        case: None,
        decision: None,
    }
}

/// A signal as an inspector's device stores it (recorded through the core, then read back).
fn signal_for_payload() -> Signal {
    let dir = tempfile::tempdir().unwrap();
    let mut z = fresh(dir.path());
    z.record_signal(signal_input(), now()).unwrap().signal
}

/// Finding 6: duplicate detection relied on the inbox record, which retention deletes, so the
/// same bundle delivered again after the purge came back in. Now its id is kept as a
/// tombstone (shown here with the receiving clock set back, where the sending-time rule does
/// not catch it).
#[test]
fn finding_6_a_purged_bundle_delivered_again_stays_out() {
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
    let bytes = r.inspector.outbox_bundle(&item.id).unwrap();
    assert!(r.officer.import_bundle(&bytes, now()).unwrap().new);
    let later = now() + chrono::Months::new(25);
    assert_eq!(r.officer.purge_expired(later).unwrap().received, 1);
    assert!(r.officer.inbox().unwrap().is_empty());
    let e = r
        .officer
        .import_bundle(&bytes, now() + chrono::Months::new(1))
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::BundlePurged);
    assert!(r.officer.inbox().unwrap().is_empty(), "not brought back");
}

/// Finding 6: a payload sent longer ago than its retention term is refused.
#[test]
fn finding_6_a_bundle_older_than_its_term_is_refused() {
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
    let bytes = r.inspector.outbox_bundle(&item.id).unwrap();
    let e = r
        .officer
        .import_bundle(&bytes, now() + chrono::Months::new(25))
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::BundleExpired);
    assert!(r.officer.inbox().unwrap().is_empty());
}

/// Finding 6: `observed_at` of a received signal was not bounded, so a post-dated signal got
/// its deadline at the end of time. Received records now meet the limits of typed ones.
#[test]
fn finding_6_a_post_dated_received_signal_is_refused() {
    let mut r = region();
    let profile = r.inspector.profile().unwrap();
    for observed in [
        chrono::NaiveDate::from_ymd_opt(9999, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap(),
        now().naive_local() + chrono::Duration::days(2),
        chrono::NaiveDate::from_ymd_opt(1999, 12, 31)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap(),
    ] {
        let item = r
            .inspector
            .seal_payload_for_tests(&signals_payload(profile.clone(), observed), &["af"], now())
            .unwrap();
        let bytes = r.inspector.outbox_bundle(&item.id).unwrap();
        let e = r.officer.import_bundle(&bytes, now()).unwrap_err();
        assert_eq!(e.code(), ErrorCode::BundlePayloadInvalid, "{observed}");
    }
    assert!(r.officer.inbox().unwrap().is_empty());
    // The same payload with a sound time is taken.
    let item = r
        .inspector
        .seal_payload_for_tests(
            &signals_payload(profile, now().naive_local()),
            &["af"],
            now(),
        )
        .unwrap();
    let bytes = r.inspector.outbox_bundle(&item.id).unwrap();
    assert!(r.officer.import_bundle(&bytes, now()).unwrap().new);
}
