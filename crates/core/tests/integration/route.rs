//! Meldroute: every rule of the shipped template, table-driven, plus validation of routes.

use zicht_core::assets;
use zicht_core::cards::parse_card_set;
use zicht_core::route::{advise, parse_route, validate_route};
use zicht_model::*;

fn base() -> Signal {
    let t = chrono::NaiveDate::from_ymd_opt(2026, 11, 1)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap();
    Signal {
        id: "x".into(),
        kind: RecordKind::Signaal,
        observed_at: t,
        recorded_at: t,
        recorded_by: "t".into(),
        municipality: "Zutphen".into(),
        source: Source::Collega,
        sector: Sector::Overig,
        location: Location::default(),
        forms: vec![Form::Onbekend],
        card_set_version: 1,
        indicators: vec![],
        observation: "x".into(),
        persons: vec![],
        urgency: Urgency::Normaal,
        status: SignalStatus::Nieuw,
        case_id: None,
        control_id: None,
        retention_until: t.date(),
        received_from: None,
    }
}

fn person(minor: bool, role: PersonRole) -> Person {
    let age_band = if minor {
        AgeBand::Van14Tot17
    } else {
        AgeBand::Van28Tot40
    };
    Person {
        label: "P1".into(),
        role,
        age_band,
        minor,
        nationality: None,
    }
}

/// Asserts the ordered contact ids advised for `signal`.
fn check(name: &str, signal: Signal, expected: &[&str]) {
    let route = parse_route(assets::ROUTE_TEMPLATE).unwrap();
    let cards = parse_card_set(assets::CARD_SET).unwrap();
    let got: Vec<String> = advise(&route, &signal, Some(&cards))
        .into_iter()
        .map(|s| s.contact.id)
        .collect();
    assert_eq!(got, expected, "case {name}");
}

const AF: &str = "aandachtsfunctionaris";
const BU: &str = "aandachtsfunctionaris-backup";

#[test]
fn every_rule_of_the_template() {
    let with = |f: fn(&mut Signal)| {
        let mut s = base();
        f(&mut s);
        s
    };
    check("plain: attention officer first", base(), &[AF, BU]);
    check(
        "acute: 112 first",
        with(|s| s.urgency = Urgency::AcuutGevaar),
        &["112", AF, BU, "politie"],
    );
    check(
        "urgent: police",
        with(|s| s.urgency = Urgency::Urgent),
        &[AF, BU, "politie"],
    );
    check(
        "minor: Veilig Thuis before the officer",
        with(|s| s.persons = vec![person(true, PersonRole::Onbekend)]),
        &["veilig-thuis", AF, BU],
    );
    check(
        "acute and minor: 112, then Veilig Thuis",
        with(|s| {
            s.urgency = Urgency::AcuutGevaar;
            s.persons = vec![person(true, PersonRole::Slachtoffer)];
        }),
        &[
            "112",
            "veilig-thuis",
            AF,
            BU,
            "zorgcoordinator",
            "politie",
            "comensha",
        ],
    );
    check(
        "victim: care coordinator and CoMensha",
        with(|s| s.persons = vec![person(false, PersonRole::Slachtoffer)]),
        &[AF, BU, "zorgcoordinator", "comensha"],
    );
    check(
        "perpetrator only: no care",
        with(|s| s.persons = vec![person(false, PersonRole::Dader)]),
        &[AF, BU],
    );
    check(
        "labour: inspectorate",
        with(|s| s.forms = vec![Form::Arbeid]),
        &[AF, BU, "arbeidsinspectie"],
    );
    check(
        "employment agency: inspectorate",
        with(|s| s.sector = Sector::Uitzendbureau),
        &[AF, BU, "arbeidsinspectie"],
    );
    check(
        "criminal: undermining and police",
        with(|s| s.forms = vec![Form::Crimineel]),
        &[AF, BU, "ondermijningsoverleg", "politie"],
    );
    check(
        "criminal with money: RIEC",
        with(|s| {
            s.forms = vec![Form::Crimineel];
            s.indicators = vec!["sek-geld-01".into()];
        }),
        &[AF, BU, "ondermijningsoverleg", "politie", "riec"],
    );
    check(
        "sexual with money: undermining, police, RIEC",
        with(|s| {
            s.forms = vec![Form::Seksueel];
            s.indicators = vec!["sek-geld-01".into()];
        }),
        &[AF, BU, "ondermijningsoverleg", "politie", "riec"],
    );
    check(
        "sexual: police",
        with(|s| s.forms = vec![Form::Seksueel]),
        &[AF, BU, "politie"],
    );
    check(
        "organ removal: police",
        with(|s| s.forms = vec![Form::Orgaan]),
        &[AF, BU, "politie"],
    );
    check(
        "holiday park: undermining",
        with(|s| s.sector = Sector::Vakantiepark),
        &[AF, BU, "ondermijningsoverleg"],
    );
    check(
        "nail studio: undermining and RIEC",
        with(|s| s.sector = Sector::NagelstudioCarwash),
        &[AF, BU, "ondermijningsoverleg", "riec"],
    );
    check(
        "citizen: Meld Misdaad Anoniem",
        with(|s| s.source = Source::Burger),
        &[AF, BU, "meld-misdaad-anoniem"],
    );
    check(
        "meldpunt ondermijning",
        with(|s| s.source = Source::MeldpuntOndermijning),
        &[AF, BU, "ondermijningsoverleg"],
    );
}

#[test]
fn a_contact_matched_twice_appears_once_with_both_reasons() {
    let route = parse_route(assets::ROUTE_TEMPLATE).unwrap();
    let mut s = base();
    s.forms = vec![Form::Seksueel];
    s.urgency = Urgency::Urgent;
    let advice = advise(&route, &s, None);
    let police: Vec<_> = advice
        .iter()
        .filter(|a| a.contact.id == "politie")
        .collect();
    assert_eq!(police.len(), 1);
    assert_eq!(police[0].reasons.len(), 2);
    let orders: Vec<usize> = advice.iter().map(|a| a.order).collect();
    assert_eq!(orders, (1..=advice.len()).collect::<Vec<_>>());
}

#[test]
fn order_of_rules_in_the_file_cannot_push_112_down() {
    let mut route = parse_route(assets::ROUTE_TEMPLATE).unwrap();
    route.rules.reverse();
    validate_route(&route).unwrap();
    let mut s = base();
    s.urgency = Urgency::AcuutGevaar;
    s.persons = vec![person(true, PersonRole::Onbekend)];
    let ids: Vec<String> = advise(&route, &s, None)
        .into_iter()
        .map(|a| a.contact.id)
        .collect();
    assert_eq!(&ids[..2], &["112", "veilig-thuis"]);
}

#[test]
fn broken_routes_are_refused() {
    let good = parse_route(assets::ROUTE_TEMPLATE).unwrap();
    type Breaker = fn(&mut Route);
    let cases: &[(&str, Breaker)] = &[
        ("no 112 rule", |r| r.rules.retain(|x| x.contact != "112")),
        ("no Veilig Thuis rule", |r| {
            r.rules.retain(|x| x.contact != "veilig-thuis")
        }),
        ("no attention officer rule", |r| {
            r.rules
                .retain(|x| !x.contact.starts_with("aandachtsfunctionaris"))
        }),
        ("rule names unknown contact", |r| {
            r.rules[0].contact = "bestaat-niet".into()
        }),
        ("contact unreachable by phone or mail", |r| {
            r.contacts[0].phone = None;
            r.contacts[0].email = Some(" ".into());
        }),
        ("contact never advised", |r| {
            let id = r.contacts.last().unwrap().id.clone();
            r.rules.retain(|x| x.contact != id);
        }),
        ("duplicate contact id", |r| {
            let c = r.contacts[0].clone();
            r.contacts.push(c);
        }),
        ("duplicate rule id", |r| {
            let x = r.rules[0].clone();
            r.rules.push(x);
        }),
        ("empty reason", |r| r.rules[0].reason = String::new()),
    ];
    for (name, breaker) in cases {
        let mut r = good.clone();
        breaker(&mut r);
        assert!(validate_route(&r).is_err(), "{name}: accepted");
    }
}

/// The officer edits the meldroute: a valid edit becomes a new version (older ones stay), an
/// invalid one is refused with a Dutch reason and changes nothing; inspectors cannot edit.
#[test]
fn edited_routes_are_validated_and_versioned() {
    use crate::common::*;
    let mut r = region();
    let z = &mut r.officer;
    let v1 = z.route().unwrap().clone();
    assert_eq!(z.route_versions().unwrap().len(), 1);
    // Unreachable contact: refused, nothing changed.
    let mut bad = v1.clone();
    bad.contacts.push(zicht_model::Contact {
        id: "nieuw".into(),
        kind: ContactKind::Overig,
        name: "Buurtteam".into(),
        description: "Buurtteam".into(),
        phone: Some("14 0575".into()),
        email: None,
        hours: None,
    });
    let e = z.save_route(bad.clone(), now()).unwrap_err();
    assert_eq!(e.code(), zicht_model::ErrorCode::RouteInvalid);
    assert!(
        e.message().contains("Buurtteam") && e.message().contains("onbereikbare stap"),
        "{}",
        e.message()
    );
    assert_eq!(z.route().unwrap(), &v1);
    // No way to reach it: refused too.
    let mut no_phone = bad.clone();
    no_phone.contacts.last_mut().unwrap().phone = Some("  ".into());
    no_phone.rules.push(zicht_model::Rule {
        id: "buurtteam".into(),
        when: Condition::Sector(Sector::Kamerverhuur),
        contact: "nieuw".into(),
        reason: "Kamerverhuur: het buurtteam kent de panden".into(),
    });
    assert!(z
        .save_route(no_phone.clone(), now())
        .unwrap_err()
        .message()
        .contains("niet te bereiken"));
    // Valid: version 2, active, advised, and kept after a restart.
    let mut good = no_phone;
    good.contacts.last_mut().unwrap().phone = Some("14 0575".into());
    let saved = z.save_route(good, later(60)).unwrap();
    assert_eq!(saved.version, v1.version + 1);
    let versions = z.route_versions().unwrap();
    assert_eq!(versions[0].version, saved.version);
    assert_eq!(versions[0].saved_by.as_deref(), Some("Officier"));
    assert_eq!(versions.len(), 2);
    // Saving the same route again makes no new version.
    assert_eq!(
        z.save_route(saved.clone(), later(61)).unwrap().version,
        saved.version
    );
    // An inspector cannot edit the meldroute.
    assert_eq!(
        r.inspector.save_route(v1, now()).unwrap_err().code(),
        zicht_model::ErrorCode::NotOfficer
    );
}
