//! Issue "Zicht 3": incoming signals, cases, the status machine (the whole state table), the
//! legal basis on every onward report, the regional table's decision and its way back.

use crate::common::*;
use zicht_core::Zicht;
use zicht_model::*;

fn basis() -> LegalBasisInput {
    LegalBasisInput {
        kind: Some(LegalBasisKind::Convenant),
        explanation: "Bespreking aan de regionale tafel volgens het convenant".into(),
    }
}

fn forward_input(signal_ids: Vec<String>, fields: Vec<ShareField>) -> ForwardInput {
    ForwardInput {
        recipient_ids: vec!["tafel".into()],
        signal_ids,
        fields,
        legal_basis: basis(),
        reason: "Vermoeden van arbeidsuitbuiting, meerdere signalen".into(),
    }
}

fn new_case(officer: &mut Zicht, title: &str) -> Case {
    let s = officer.record_signal(signal_input(), now()).unwrap().signal;
    officer
        .create_case(
            CaseInput {
                title: title.into(),
                signal_ids: vec![s.id],
                acute: false,
            },
            now(),
        )
        .unwrap()
}

/// Drives a fresh case into `status` through the public API only.
fn case_in(r: &mut TestRegion, status: CaseStatus) -> String {
    let c = new_case(&mut r.officer, "Chalets");
    let id = c.id.clone();
    match status {
        CaseStatus::Open => {}
        CaseStatus::InBehandeling => {
            r.officer
                .set_case_status(&id, CaseStatus::InBehandeling, now())
                .unwrap();
        }
        CaseStatus::Afgesloten => {
            r.officer
                .set_case_status(&id, CaseStatus::Afgesloten, now())
                .unwrap();
        }
        CaseStatus::DoorgeleidTafel | CaseStatus::BesluitOntvangen => {
            let item = r
                .officer
                .forward_case(
                    &id,
                    forward_input(c.signal_ids.clone(), vec![ShareField::Observatie]),
                    now(),
                )
                .unwrap();
            if status == CaseStatus::BesluitOntvangen {
                let got = carry(&r.officer, &item, &mut r.table, now());
                let back = r
                    .table
                    .decide_case(
                        &got.id,
                        DecisionInput {
                            track: Some(Track::Zorgtraject),
                            explanation: "Zorg via de zorgcoördinator".into(),
                        },
                        now(),
                    )
                    .unwrap();
                carry(&r.table, &back, &mut r.officer, now());
            }
        }
    }
    assert_eq!(r.officer.case(&id).unwrap().status, status);
    id
}

fn fixture() -> Vec<(CaseStatus, CaseStatus, Transition)> {
    let text = include_str!("../fixtures/case_transitions.txt");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let how = match w[2] {
                "direct" => Transition::Direct,
                "via_forward" => Transition::ViaForward,
                "via_decision" => Transition::ViaDecision,
                "refused" => Transition::Refused,
                other => panic!("unknown transition {other}"),
            };
            (
                CaseStatus::from_wire(w[0]).unwrap(),
                CaseStatus::from_wire(w[1]).unwrap(),
                how,
            )
        })
        .collect()
}

#[test]
fn the_state_table_is_the_fixture() {
    let table = fixture();
    assert_eq!(table.len(), CaseStatus::ALL.len() * CaseStatus::ALL.len());
    for (from, to, how) in table {
        assert_eq!(from.can_become(to), how, "{from:?} → {to:?}");
    }
}

/// Every pair of the state table against a real store: a direct transition works, every other
/// one is refused with `case_transition` and changes nothing.
#[test]
fn every_transition_through_the_store() {
    let mut r = region();
    for (from, to, how) in fixture() {
        let id = case_in(&mut r, from);
        let before = r.officer.case(&id).unwrap();
        let got = r.officer.set_case_status(&id, to, later(60));
        match how {
            Transition::Direct => {
                let c = got.unwrap_or_else(|e| panic!("{from:?} → {to:?}: {e}"));
                assert_eq!(c.status, to);
                assert_eq!(c.closed_at.is_some(), to == CaseStatus::Afgesloten);
                assert_eq!(c.steps.last().unwrap().kind, StepKind::Status);
            }
            _ => {
                let e = got.expect_err(&format!("{from:?} → {to:?} accepted"));
                assert_eq!(
                    e.code(),
                    zicht_model::ErrorCode::CaseTransition,
                    "{from:?} → {to:?}"
                );
                assert_eq!(
                    r.officer.case(&id).unwrap(),
                    before,
                    "{from:?} → {to:?} changed it"
                );
            }
        }
    }
}

#[test]
fn forwarding_needs_a_legal_basis_and_sends_only_what_was_chosen() {
    let mut r = region();
    let c = new_case(&mut r.officer, "Chalets Zonnedauw");
    r.officer
        .add_case_note(&c.id, "Verhuurder bekend bij de woningcorporatie", now())
        .unwrap();
    let before = r.officer.case(&c.id).unwrap();
    // No basis at all: refused, with every missing part named, nothing sealed or changed.
    let mut input = forward_input(c.signal_ids.clone(), vec![]);
    input.legal_basis = LegalBasisInput {
        kind: None,
        explanation: "  ".into(),
    };
    let e = r.officer.forward_case(&c.id, input, now()).unwrap_err();
    assert_eq!(e.code(), zicht_model::ErrorCode::LegalBasisRequired);
    let fields: Vec<&str> = e.fields().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        ["legal_basis.kind", "legal_basis.explanation", "fields"]
    );
    assert!(e.message().contains("grondslag"));
    assert!(r.officer.outbox().unwrap().is_empty());
    assert_eq!(r.officer.case(&c.id).unwrap(), before);
    // Not to an inspector, and the table must be among the recipients.
    let mut to_inspector = forward_input(c.signal_ids.clone(), vec![ShareField::Observatie]);
    to_inspector.recipient_ids = vec!["insp".into()];
    assert_eq!(
        r.officer
            .forward_case(&c.id, to_inspector, now())
            .unwrap_err()
            .fields()[0]
            .field,
        "recipients"
    );
    // Observation and location, not the persons or the notes.
    let item = r
        .officer
        .forward_case(
            &c.id,
            forward_input(
                c.signal_ids.clone(),
                vec![ShareField::Observatie, ShareField::Locatie],
            ),
            now(),
        )
        .unwrap();
    let c = r.officer.case(&c.id).unwrap();
    assert_eq!(c.status, CaseStatus::DoorgeleidTafel);
    let step = c.steps.iter().find(|s| s.kind == StepKind::Tafel).unwrap();
    assert_eq!(
        step.legal_basis.as_ref().unwrap().kind,
        LegalBasisKind::Convenant
    );
    let got = carry(&r.officer, &item, &mut r.table, now());
    assert!(got.new);
    let p = r.table.view_incoming(&got.id, now()).unwrap().payload;
    let b = p.legal_basis.unwrap();
    assert_eq!(b.fields, [ShareField::Observatie, ShareField::Locatie]);
    assert_eq!(b.recorded_by, "Officier");
    let share = p.case.unwrap();
    assert_eq!(
        (share.title.as_str(), share.case_id.as_str()),
        ("Chalets Zonnedauw", c.id.as_str())
    );
    assert!(share.notes.is_empty(), "notes only with 'verrijking'");
    assert!(p.signals[0].observation.contains("Acht mensen"));
    assert!(!p.signals[0].location.description.is_empty());
    assert!(p.signals[0].persons.is_empty(), "persons were not chosen");
    assert!(
        p.signals[0].indicators.is_empty(),
        "indicators were not chosen"
    );
}

/// The whole way: inspector → officer (binnengekomen, accept, case, notes, weighing, steps,
/// forward with a basis) → table (decision) → officer (besluit ontvangen).
#[test]
fn from_signal_to_the_table_and_back() {
    let mut r = region();
    let s = r
        .inspector
        .record_signal(signal_input(), now())
        .unwrap()
        .signal;
    let item = r
        .inspector
        .send_signals(std::slice::from_ref(&s.id), &["af".into()], now())
        .unwrap();
    let got = carry(&r.inspector, &item, &mut r.officer, later(10));
    // Binnengekomen: from the inspector, verified, not yet in the officer's own list.
    let incoming = r.officer.incoming().unwrap();
    assert_eq!(incoming.len(), 1);
    assert_eq!(incoming[0].sender.id, "insp");
    assert_eq!(incoming[0].disposition, Disposition::Nieuw);
    assert!(r
        .officer
        .list_signals(&SignalFilter::default())
        .unwrap()
        .is_empty());
    // Accept: the signal joins the officer's list, marked with its sender; twice is once.
    let ids = r.officer.accept_incoming(&got.id, later(20)).unwrap();
    assert_eq!(ids, std::slice::from_ref(&s.id));
    assert_eq!(r.officer.accept_incoming(&got.id, later(30)).unwrap(), ids);
    let list = r.officer.list_signals(&SignalFilter::default()).unwrap();
    assert_eq!(list.len(), 1);
    let mine = r.officer.signal(&s.id).unwrap();
    assert_eq!(mine.received_from.as_deref(), Some("Naam insp (Zutphen)"));
    assert_eq!(mine.observation, s.observation);
    assert!(matches!(
        r.officer.incoming().unwrap()[0].disposition,
        Disposition::Geaccepteerd { .. }
    ));
    assert_eq!(
        r.officer
            .dismiss_incoming(&got.id, "dubbel", now())
            .unwrap_err()
            .code(),
        zicht_model::ErrorCode::AlreadyHandled
    );
    // A case with an own signal too.
    let own = r
        .officer
        .record_signal(signal_input(), now())
        .unwrap()
        .signal;
    let case = r
        .officer
        .create_case(
            CaseInput {
                title: "Recreatiepark De Hoeve".into(),
                signal_ids: vec![s.id.clone()],
                acute: false,
            },
            later(40),
        )
        .unwrap();
    assert_eq!(case.status, CaseStatus::Open);
    assert_eq!(
        r.officer.signal(&s.id).unwrap().case_id.as_deref(),
        Some(case.id.as_str())
    );
    let case = r
        .officer
        .add_case_signals(&case.id, std::slice::from_ref(&own.id), later(50))
        .unwrap();
    assert_eq!(case.signal_ids.len(), 2);
    assert_eq!(
        case.status,
        CaseStatus::InBehandeling,
        "work moves an open case on"
    );
    // A signal belongs to one case only.
    let e = r
        .officer
        .create_case(
            CaseInput {
                title: "Dubbel".into(),
                signal_ids: vec![own.id.clone()],
                acute: false,
            },
            now(),
        )
        .unwrap_err();
    assert_eq!(e.fields()[0].field, "signals.0");
    r.officer
        .add_case_note(&case.id, "Eigenaar verhuurt ook elders chalets", later(60))
        .unwrap();
    assert_eq!(
        r.officer
            .set_case_weging(&case.id, Some(Suspicion::Versterkt), " ", now())
            .unwrap_err()
            .fields()[0]
            .field,
        "motivation"
    );
    r.officer
        .set_case_weging(
            &case.id,
            Some(Suspicion::Versterkt),
            "Twee onafhankelijke signalen",
            later(70),
        )
        .unwrap();
    // The advice on the case; taking an external step needs a basis.
    let detail = r.officer.case_detail(&case.id, later(80)).unwrap();
    assert_eq!(detail.signals.len(), 2);
    assert_eq!(
        detail.advice[0].step.contact.kind,
        ContactKind::Aandachtsfunctionaris
    );
    let inspectie = detail
        .advice
        .iter()
        .find(|a| a.step.contact.kind == ContactKind::Arbeidsinspectie)
        .expect("labour exploitation is advised to the Arbeidsinspectie");
    assert!(inspectie.external && inspectie.taken_at.is_none());
    let step = StepInput {
        contact_id: inspectie.step.contact.id.clone(),
        reason: inspectie.step.reasons[0].clone(),
        outcome: None,
        legal_basis: None,
        fields: vec![],
    };
    assert_eq!(
        r.officer
            .record_case_step(&case.id, step.clone(), now())
            .unwrap_err()
            .code(),
        zicht_model::ErrorCode::LegalBasisRequired
    );
    r.officer
        .record_case_step(
            &case.id,
            StepInput {
                legal_basis: Some(LegalBasisInput {
                    kind: Some(LegalBasisKind::WettelijkeTaak),
                    explanation: "Melding arbeidsuitbuiting bij de Arbeidsinspectie".into(),
                }),
                fields: vec![ShareField::Observatie, ShareField::Locatie],
                ..step
            },
            later(90),
        )
        .unwrap();
    let detail = r.officer.case_detail(&case.id, later(95)).unwrap();
    let taken = detail
        .advice
        .iter()
        .find(|a| a.step.contact.kind == ContactKind::Arbeidsinspectie)
        .unwrap();
    assert_eq!(taken.taken_at, Some(later(90).naive_local()));
    // Forward to the table, acute.
    r.officer
        .set_case_acute(&case.id, true, later(100))
        .unwrap();
    let item = r
        .officer
        .forward_case(
            &case.id,
            forward_input(
                case.signal_ids.clone(),
                vec![ShareField::Observatie, ShareField::Verrijking],
            ),
            later(110),
        )
        .unwrap();
    let at_table = carry(&r.officer, &item, &mut r.table, later(120));
    let table_list = r.table.incoming().unwrap();
    assert_eq!(
        table_list[0].case_title.as_deref(),
        Some("Recreatiepark De Hoeve")
    );
    assert!(table_list[0].acute);
    // Officers cannot decide; the table must choose a track and explain.
    let decision = DecisionInput {
        track: Some(Track::ZorgEnStrafrecht),
        explanation: "Zorg voor de bewoners en aangifte door de politie".into(),
    };
    assert_eq!(
        r.officer
            .decide_case(&at_table.id, decision.clone(), now())
            .unwrap_err()
            .code(),
        zicht_model::ErrorCode::NotTable
    );
    assert_eq!(
        r.table
            .decide_case(
                &at_table.id,
                DecisionInput {
                    track: None,
                    explanation: String::new()
                },
                now()
            )
            .unwrap_err()
            .fields()[0]
            .field,
        "track"
    );
    let back = r
        .table
        .decide_case(&at_table.id, decision.clone(), later(130))
        .unwrap();
    assert_eq!(back.recipients, ["Naam af (Zutphen)"]);
    assert_eq!(
        r.table
            .decide_case(&at_table.id, decision, now())
            .unwrap_err()
            .code(),
        zicht_model::ErrorCode::AlreadyHandled
    );
    assert_eq!(
        r.table.incoming().unwrap()[0].answered,
        Some(Track::ZorgEnStrafrecht)
    );
    // Back at the officer's.
    let decision_bundle = carry(&r.table, &back, &mut r.officer, later(140));
    // A decision carries no signals to accept; it was applied to the case on arrival.
    let e = r
        .officer
        .accept_incoming(&decision_bundle.id, now())
        .unwrap_err();
    assert_eq!(e.fields()[0].field, "signals");
    let case = r.officer.case(&case.id).unwrap();
    assert_eq!(case.status, CaseStatus::BesluitOntvangen);
    let d = case.decision.as_ref().unwrap();
    assert_eq!(
        (d.track, d.decided_by.as_str()),
        (Track::ZorgEnStrafrecht, "Tafel")
    );
    assert_eq!(case.steps.last().unwrap().kind, StepKind::Besluit);
    // Every device's audit chain is intact, and it recorded what happened.
    for z in [&r.inspector, &r.officer, &r.table] {
        assert_eq!(z.verify_audit().unwrap().broken_at, None);
    }
    let actions: Vec<(AuditAction, AuditSubject)> = r
        .officer
        .audit_log(Some(&case.id))
        .unwrap()
        .iter()
        .map(|e| (e.action, e.subject))
        .collect();
    assert_eq!(actions[0], (AuditAction::Create, AuditSubject::Case));
    assert!(actions.contains(&(AuditAction::View, AuditSubject::Case)));
    assert!(
        actions
            .iter()
            .filter(|a| a.0 == AuditAction::Change)
            .count()
            >= 6
    );
}

#[test]
fn not_relevant_needs_a_reason_and_imports_nothing() {
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
    let got = carry(&r.inspector, &item, &mut r.officer, now());
    assert_eq!(
        r.officer
            .dismiss_incoming(&got.id, "", now())
            .unwrap_err()
            .fields()[0]
            .field,
        "reason"
    );
    r.officer
        .dismiss_incoming(&got.id, "Betreft een andere gemeente", now())
        .unwrap();
    assert!(r
        .officer
        .list_signals(&SignalFilter::default())
        .unwrap()
        .is_empty());
    assert_eq!(
        r.officer
            .accept_incoming(&got.id, now())
            .unwrap_err()
            .code(),
        zicht_model::ErrorCode::AlreadyHandled
    );
    // Importing the same bundle again does not reset the disposition.
    carry(&r.inspector, &item, &mut r.officer, now());
    assert!(matches!(
        r.officer.incoming().unwrap()[0].disposition,
        Disposition::NietRelevant { .. }
    ));
}

#[test]
fn acute_cases_come_first() {
    let mut r = region();
    let a = new_case(&mut r.officer, "Eerste");
    let b = new_case(&mut r.officer, "Tweede");
    let c = new_case(&mut r.officer, "Derde");
    r.officer.set_case_acute(&b.id, true, later(5)).unwrap();
    r.officer
        .set_case_status(&c.id, CaseStatus::Afgesloten, later(6))
        .unwrap();
    r.officer
        .add_case_note(&a.id, "Nieuwe informatie", later(7))
        .unwrap();
    let order: Vec<String> = r
        .officer
        .cases()
        .unwrap()
        .into_iter()
        .map(|c| c.title)
        .collect();
    assert_eq!(order, ["Tweede", "Eerste", "Derde"]);
}

#[test]
fn only_officers_work_on_cases() {
    let mut r = region();
    let s = r
        .inspector
        .record_signal(signal_input(), now())
        .unwrap()
        .signal;
    let e = r
        .inspector
        .create_case(
            CaseInput {
                title: "Niet toegestaan".into(),
                signal_ids: vec![s.id],
                acute: false,
            },
            now(),
        )
        .unwrap_err();
    assert_eq!(e.code(), zicht_model::ErrorCode::NotOfficer);
    assert_eq!(
        r.officer
            .create_case(
                CaseInput {
                    title: " ".into(),
                    signal_ids: vec![],
                    acute: false
                },
                now()
            )
            .unwrap_err()
            .fields()[0]
            .field,
        "title"
    );
}

/// Regression guard (issue "Zicht 2" leftover): a bundle from a real participant whose
/// content breaks the model's limits is refused, and nothing of it is stored.
#[test]
fn received_content_beyond_the_limits_is_refused() {
    let mut r = region();
    let s = r
        .inspector
        .record_signal(signal_input(), now())
        .unwrap()
        .signal;
    let mut big = s.clone();
    big.observation = "x".repeat(MAX_OBSERVATION_CHARS + 1);
    let key = uuid::Uuid::parse_str(&s.id).unwrap();
    r.inspector
        .vault_for_tests()
        .unwrap()
        .put("signals", key.as_bytes(), &big)
        .unwrap();
    let item = r
        .inspector
        .send_signals(&[s.id], &["af".into()], now())
        .unwrap();
    let bytes = r.inspector.outbox_bundle(&item.id).unwrap();
    let e = r.officer.import_bundle(&bytes, now()).unwrap_err();
    assert_eq!(e.code(), zicht_model::ErrorCode::BundlePayloadInvalid);
    // Regression: the message spoke of "signaalkaarten of meldroute" for a received bundle.
    assert!(
        e.message().starts_with("Deze bundel is ondertekend"),
        "{}",
        e.message()
    );
    assert!(r.officer.inbox().unwrap().is_empty());
}
