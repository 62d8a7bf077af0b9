//! Meldroute: validation of a municipality's route and the advice it yields for a signal.
//!
//! Order of advice (whatever order the template lists its rules in):
//! 1. acute danger: the emergency number (112) first;
//! 2. a minor involved: Veilig Thuis next;
//! 3. the attention officer;
//! 4. every other matching contact, in the template's rule order.
//!
//! A contact matched by several rules appears once, with every reason.

use crate::error::{CoreError, Result};
use std::collections::HashSet;
use zicht_model::{
    AdviceStep, AgeBand, CardSet, Condition, ContactKind, Form, Location, Person, PersonRole,
    RecordKind, Route, Sector, Signal, SignalStatus, Source, Urgency,
};

/// Evaluates a condition for a signal. `cards` resolves indicator categories.
pub fn holds(cond: &Condition, s: &Signal, cards: Option<&CardSet>) -> bool {
    match cond {
        Condition::Always => true,
        Condition::AcuteDanger => s.urgency == Urgency::AcuutGevaar,
        Condition::Urgent => matches!(s.urgency, Urgency::AcuutGevaar | Urgency::Urgent),
        Condition::Minor => s.involves_minor(),
        Condition::VictimPresent => s.persons.iter().any(|p| p.role == PersonRole::Slachtoffer),
        Condition::Form(f) => s.forms.contains(f),
        Condition::Sector(x) => s.sector == *x,
        Condition::Source(x) => s.source == *x,
        Condition::IndicatorCategory(c) => cards.is_some_and(|set| {
            s.indicators
                .iter()
                .any(|id| set.indicator(id).is_some_and(|i| i.category == *c))
        }),
        Condition::Any(cs) => cs.iter().any(|c| holds(c, s, cards)),
        Condition::All(cs) => cs.iter().all(|c| holds(c, s, cards)),
        Condition::Not(c) => !holds(c, s, cards),
    }
}

fn rank(kind: ContactKind, acute: bool, minor: bool) -> u8 {
    match kind {
        ContactKind::Noodnummer if acute => 0,
        ContactKind::VeiligThuis if minor => 1,
        ContactKind::Aandachtsfunctionaris => 2,
        _ => 3,
    }
}

/// The ordered advice for a signal.
pub fn advise(route: &Route, s: &Signal, cards: Option<&CardSet>) -> Vec<AdviceStep> {
    advise_all(route, &[s], false, cards)
}

/// The ordered advice for a case: a rule applies when it holds for any of the case's signals;
/// `acute` (the case is marked acute) counts as acute danger for every signal.
pub fn advise_case(
    route: &Route,
    signals: &[Signal],
    acute: bool,
    cards: Option<&CardSet>,
) -> Vec<AdviceStep> {
    let raised: Vec<Signal>;
    let refs: Vec<&Signal> = if acute {
        raised = signals
            .iter()
            .map(|s| Signal {
                urgency: Urgency::AcuutGevaar,
                ..s.clone()
            })
            .collect();
        raised.iter().collect()
    } else {
        signals.iter().collect()
    };
    advise_all(route, &refs, acute, cards)
}

fn advise_all(
    route: &Route,
    signals: &[&Signal],
    acute: bool,
    cards: Option<&CardSet>,
) -> Vec<AdviceStep> {
    let acute = acute || signals.iter().any(|s| s.urgency == Urgency::AcuutGevaar);
    let minor = signals.iter().any(|s| s.involves_minor());
    // (rank, first rule index, step)
    let mut steps: Vec<(u8, usize, AdviceStep)> = Vec::new();
    for (i, rule) in route.rules.iter().enumerate() {
        if !signals.iter().any(|s| holds(&rule.when, s, cards)) {
            continue;
        }
        let Some(contact) = route.contact(&rule.contact) else {
            continue;
        };
        if let Some((_, _, step)) = steps
            .iter_mut()
            .find(|(_, _, st)| st.contact.id == contact.id)
        {
            step.reasons.push(rule.reason.clone());
            step.rule_ids.push(rule.id.clone());
        } else {
            steps.push((
                rank(contact.kind, acute, minor),
                i,
                AdviceStep {
                    order: 0,
                    contact: contact.clone(),
                    reasons: vec![rule.reason.clone()],
                    rule_ids: vec![rule.id.clone()],
                },
            ));
        }
    }
    steps.sort_by_key(|(r, i, _)| (*r, *i));
    steps
        .into_iter()
        .enumerate()
        .map(|(n, (_, _, mut st))| {
            st.order = n + 1;
            st
        })
        .collect()
}

fn bad(msg: String) -> CoreError {
    CoreError::RouteInvalid(msg)
}

/// A neutral signal used to check that a route covers the required situations.
pub(crate) fn probe_signal() -> Signal {
    let t = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
        .unwrap_or_default()
        .and_hms_opt(12, 0, 0)
        .unwrap_or_default();
    Signal {
        id: String::new(),
        kind: RecordKind::Signaal,
        observed_at: t,
        recorded_at: t,
        recorded_by: String::new(),
        municipality: String::new(),
        source: Source::Collega,
        sector: Sector::Overig,
        location: Location::default(),
        forms: vec![Form::Onbekend],
        card_set_version: 0,
        indicators: vec![],
        observation: String::new(),
        persons: vec![],
        urgency: Urgency::Normaal,
        status: SignalStatus::Nieuw,
        case_id: None,
        control_id: None,
        retention_until: t.date(),
        received_from: None,
    }
}

/// Parses and validates a route (JSON).
pub fn parse_route(json: &str) -> Result<Route> {
    let r: Route =
        serde_json::from_str(json).map_err(|_| bad("het bestand is geen meldroute.".into()))?;
    validate_route(&r)?;
    Ok(r)
}

/// A route is valid when ids are unique, every contact can be reached (phone or e-mail) and is
/// used by a rule, every rule names an existing contact, and the three required situations
/// are covered: acute danger → 112 first, a minor → Veilig Thuis, any signal → the attention
/// officer.
pub fn validate_route(r: &Route) -> Result<()> {
    let mut ids = HashSet::new();
    for c in &r.contacts {
        if c.id.trim().is_empty() || !ids.insert(c.id.as_str()) {
            return Err(bad(format!(
                "contact '{}' heeft geen of een dubbele code.",
                c.name
            )));
        }
        if c.name.trim().is_empty() {
            return Err(bad(format!("contact '{}' heeft geen naam.", c.id)));
        }
        let has = |o: &Option<String>| o.as_deref().is_some_and(|s| !s.trim().is_empty());
        if !has(&c.phone) && !has(&c.email) {
            return Err(bad(format!(
                "contact '{}' heeft geen telefoonnummer of e-mailadres; zo is hij niet te bereiken.",
                c.name
            )));
        }
    }
    let mut rule_ids = HashSet::new();
    for rule in &r.rules {
        if rule.id.trim().is_empty() || !rule_ids.insert(rule.id.as_str()) {
            return Err(bad(format!(
                "regel '{}' heeft geen of een dubbele code.",
                rule.id
            )));
        }
        if r.contact(&rule.contact).is_none() {
            return Err(bad(format!(
                "regel '{}' verwijst naar een contact dat niet bestaat.",
                rule.id
            )));
        }
        if rule.reason.trim().is_empty() {
            return Err(bad(format!(
                "regel '{}' heeft geen reden; die ziet de gebruiker bij het advies.",
                rule.id
            )));
        }
    }
    for c in &r.contacts {
        if !r.rules.iter().any(|rule| rule.contact == c.id) {
            return Err(bad(format!(
                "contact '{}' wordt door geen enkele regel geadviseerd (een onbereikbare stap).",
                c.name
            )));
        }
    }
    let first_kind = |s: &Signal| advise(r, s, None).first().map(|st| st.contact.kind);
    let kinds = |s: &Signal| {
        advise(r, s, None)
            .into_iter()
            .map(|st| st.contact.kind)
            .collect::<Vec<_>>()
    };
    let plain = probe_signal();
    if first_kind(&plain) != Some(ContactKind::Aandachtsfunctionaris) {
        return Err(bad(
            "een gewoon signaal moet eerst naar de aandachtsfunctionaris.".into(),
        ));
    }
    let mut acute = probe_signal();
    acute.urgency = Urgency::AcuutGevaar;
    if first_kind(&acute) != Some(ContactKind::Noodnummer) {
        return Err(bad(
            "bij acuut gevaar moet 112 als eerste stap komen.".into()
        ));
    }
    let mut minor = probe_signal();
    minor.persons.push(Person {
        label: "P1".into(),
        role: PersonRole::Onbekend,
        age_band: AgeBand::Van14Tot17,
        minor: true,
        nationality: None,
    });
    if !kinds(&minor).contains(&ContactKind::VeiligThuis) {
        return Err(bad(
            "een signaal over een minderjarige moet naar Veilig Thuis.".into(),
        ));
    }
    Ok(())
}
