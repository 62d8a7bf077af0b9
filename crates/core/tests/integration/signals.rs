//! Signals: validation (table-driven), controls, drafts, list filters and search.

use crate::common::*;
use zicht_core::CoreError;
use zicht_model::*;

/// Records `input` and asserts the field names of the validation errors (empty: accepted).
fn check(name: &str, input: SignalInput, expected_fields: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let mut z = fresh(dir.path());
    match z.record_signal(input, now()) {
        Ok(_) => assert!(
            expected_fields.is_empty(),
            "{name}: accepted, expected errors on {expected_fields:?}"
        ),
        Err(CoreError::Validation(fields)) => {
            let got: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
            assert_eq!(got, expected_fields, "{name}");
            for f in &fields {
                assert!(!f.message.is_empty());
            }
            assert!(
                z.list_signals(&SignalFilter::default()).unwrap().is_empty(),
                "{name}: a refused signal changed the store"
            );
        }
        Err(e) => panic!("{name}: unexpected error {e:?}"),
    }
}

#[test]
fn validation_table() {
    let with = |f: &dyn Fn(&mut SignalInput)| {
        let mut s = signal_input();
        f(&mut s);
        s
    };
    check("valid", signal_input(), &[]);
    check(
        "adviesvraag",
        with(&|s| s.kind = RecordKind::Adviesvraag),
        &[],
    );
    check("no time", with(&|s| s.observed_at = None), &["observed_at"]);
    check(
        "future",
        with(&|s| s.observed_at = Some(local("2026-11-22T11:00"))),
        &["observed_at"],
    );
    check(
        "within clock skew",
        with(&|s| s.observed_at = Some(local("2026-11-22T10:04"))),
        &[],
    );
    check(
        "ancient",
        with(&|s| s.observed_at = Some(local("1999-12-31T10:00"))),
        &["observed_at"],
    );
    check("no source", with(&|s| s.source = None), &["source"]);
    check("no sector", with(&|s| s.sector = None), &["sector"]);
    check(
        "no location",
        with(&|s| s.location.description = "   ".into()),
        &["location"],
    );
    check(
        "long location",
        with(&|s| s.location.description = "x".repeat(MAX_SHORT_CHARS + 1)),
        &["location"],
    );
    check(
        "bad coordinates",
        with(&|s| s.location.lat = Some(123.0)),
        &["location"],
    );
    check("no forms", with(&|s| s.forms.clear()), &["forms"]);
    check(
        "unknown with other form",
        with(&|s| s.forms = vec![Form::Onbekend, Form::Arbeid]),
        &["forms"],
    );
    check(
        "unknown indicator",
        with(&|s| s.indicators.push("bestaat-niet".into())),
        &["indicators"],
    );
    check(
        "empty observation",
        with(&|s| s.observation = " \n ".into()),
        &["observation"],
    );
    check(
        "observation at limit",
        with(&|s| s.observation = "é".repeat(MAX_OBSERVATION_CHARS)),
        &[],
    );
    check(
        "observation too long",
        with(&|s| s.observation = "é".repeat(MAX_OBSERVATION_CHARS + 1)),
        &["observation"],
    );
    check(
        "person without label",
        with(&|s| s.persons[0].label = "".into()),
        &["persons.0.label"],
    );
    check(
        "label too long (a name?)",
        with(&|s| s.persons[0].label = "Johannes van den Berg-Jansen".into()),
        &["persons.0.label"],
    );
    check(
        "duplicate label",
        with(&|s| {
            let p = s.persons[0].clone();
            s.persons.push(p);
        }),
        &["persons.1.label"],
    );
    check(
        "minor flag with adult band",
        with(&|s| {
            s.persons[0].minor = true;
            s.persons[0].age_band = AgeBand::Van28Tot40;
        }),
        &["persons.0.age_band"],
    );
    check(
        "unknown control",
        with(&|s| s.control_id = Some("0192f0c8-0000-7000-8000-000000000000".into())),
        &["control_id"],
    );
    check(
        "several problems at once",
        with(&|s| {
            s.sector = None;
            s.observation.clear();
            s.forms.clear();
        }),
        &["sector", "forms", "observation"],
    );
}

#[test]
fn saved_signal_is_complete_and_advised() {
    let dir = tempfile::tempdir().unwrap();
    let mut z = fresh(dir.path());
    let saved = z.record_signal(signal_input(), now()).unwrap();
    let s = &saved.signal;
    assert_eq!(s.recorded_by, "Test Toezicht");
    assert_eq!(s.municipality, "Zutphen");
    assert_eq!(s.card_set_version, 1);
    assert_eq!(s.status, SignalStatus::Nieuw);
    assert_eq!(
        s.retention_until,
        chrono::NaiveDate::from_ymd_opt(2028, 11, 22).unwrap()
    );
    assert_eq!(uuid::Uuid::parse_str(&s.id).unwrap().get_version_num(), 7);
    assert_eq!(
        saved.advice[0].contact.kind,
        ContactKind::Aandachtsfunctionaris
    );
    assert_eq!(z.signal(&s.id).unwrap(), *s);
    assert!(matches!(z.signal("not-an-id"), Err(CoreError::NotFound)));
}

#[test]
fn signals_in_a_control_inherit_place_time_and_source() {
    let dir = tempfile::tempdir().unwrap();
    let mut z = fresh(dir.path());
    let c = z
        .start_control(
            ControlInput {
                kind: ControlType::BranchegerichteControle,
                started_at: None,
                location: Location {
                    description: " Kamerverhuurpand Spoorstraat ".into(),
                    lat: None,
                    lon: None,
                },
                partners: vec![ControlPartner::Politie, ControlPartner::Arbeidsinspectie],
            },
            now(),
        )
        .unwrap();
    assert_eq!(c.location.description, "Kamerverhuurpand Spoorstraat");
    assert!(matches!(
        z.start_control(
            ControlInput {
                kind: ControlType::Huisbezoek,
                started_at: None,
                location: c.location.clone(),
                partners: vec![]
            },
            now()
        ),
        Err(CoreError::ControlActive)
    ));
    let mut input = signal_input();
    input.observed_at = None;
    input.source = None;
    input.location = Location::default();
    input.control_id = Some(c.id.clone());
    let s = z.record_signal(input, later(60)).unwrap().signal;
    assert_eq!(s.location.description, "Kamerverhuurpand Spoorstraat");
    assert_eq!(s.observed_at, c.started_at);
    assert_eq!(s.source, Source::BranchegerichteControle);
    assert_eq!(s.control_id.as_deref(), Some(c.id.as_str()));
    z.record_signal(signal_input(), later(61)).unwrap();
    let in_control = z
        .list_signals(&SignalFilter {
            control_id: Some(c.id.clone()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(in_control.len(), 1);
    assert_eq!(
        z.status().unwrap(),
        AppStatus::Unlocked {
            profile: z.profile().unwrap(),
            active_control: Some(c.clone())
        }
    );
    let ended = z.end_control(&c.id, later(3600)).unwrap();
    assert!(ended.ended_at.is_some());
    assert!(z.active_control().unwrap().is_none());
    assert!(matches!(
        z.end_control(&c.id, later(3601)),
        Err(CoreError::ControlEnded)
    ));
    let mut late = signal_input();
    late.control_id = Some(c.id.clone());
    assert!(matches!(
        z.record_signal(late, later(3700)),
        Err(CoreError::Validation(_))
    ));
    assert_eq!(z.controls().unwrap().len(), 1);
    assert!(matches!(
        z.start_control(
            ControlInput {
                kind: ControlType::Huisbezoek,
                started_at: None,
                location: Location::default(),
                partners: vec![]
            },
            now()
        ),
        Err(CoreError::Validation(_))
    ));
}

#[test]
fn filters_and_text_search() {
    let dir = tempfile::tempdir().unwrap();
    let mut z = fresh(dir.path());
    let mut a = signal_input();
    a.observation = "Busje haalt om vijf uur 's ochtends mensen op".into();
    a.observed_at = Some(local("2026-10-01T08:00"));
    let mut b = signal_input();
    b.forms = vec![Form::Seksueel];
    b.sector = Some(Sector::Sekswerk);
    b.indicators = vec![];
    b.observation = "Advertentie met steeds wisselende telefoonnummers".into();
    b.location.description = "Hotel Centraal".into();
    b.observed_at = Some(local("2026-11-20T22:00"));
    let ida = z.record_signal(a, now()).unwrap().signal.id;
    let idb = z.record_signal(b, now()).unwrap().signal.id;
    let ids = |f: SignalFilter| {
        z.list_signals(&f)
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(SignalFilter::default()),
        vec![idb.clone(), ida.clone()],
        "newest observation first"
    );
    assert_eq!(
        ids(SignalFilter {
            form: Some(Form::Arbeid),
            ..Default::default()
        }),
        vec![ida.clone()]
    );
    assert_eq!(
        ids(SignalFilter {
            sector: Some(Sector::Sekswerk),
            ..Default::default()
        }),
        vec![idb.clone()]
    );
    assert_eq!(
        ids(SignalFilter {
            text: Some("BUSJE".into()),
            ..Default::default()
        }),
        vec![ida.clone()]
    );
    assert_eq!(
        ids(SignalFilter {
            text: Some("centraal".into()),
            ..Default::default()
        }),
        vec![idb.clone()],
        "location is searched too"
    );
    let oct = |d| chrono::NaiveDate::from_ymd_opt(2026, 10, d);
    assert_eq!(
        ids(SignalFilter {
            from: oct(1),
            to: oct(31),
            ..Default::default()
        }),
        vec![ida.clone()]
    );
    assert_eq!(
        ids(SignalFilter {
            status: Some(SignalStatus::Afgesloten),
            ..Default::default()
        }),
        Vec::<String>::new()
    );
    // The index is rebuilt from the encrypted store after a restart.
    drop(z);
    let z2 = reopen(dir.path());
    assert_eq!(
        z2.list_signals(&SignalFilter {
            text: Some("busje".into()),
            ..Default::default()
        })
        .unwrap()
        .len(),
        1
    );
}

#[test]
fn drafts_survive_a_restart_and_can_be_cleared() {
    let dir = tempfile::tempdir().unwrap();
    let z = fresh(dir.path());
    let mut d = signal_input();
    d.observation = "half getypt".into();
    z.save_draft(&d, now()).unwrap();
    drop(z);
    let z = reopen(dir.path());
    assert_eq!(z.load_draft().unwrap(), Some(d));
    z.clear_draft().unwrap();
    assert_eq!(z.load_draft().unwrap(), None);
}
