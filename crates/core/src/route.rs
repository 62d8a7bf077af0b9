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

fn rank(kind: ContactKind, s: &Signal) -> u8 {
    match kind {
        ContactKind::Noodnummer if s.urgency == Urgency::AcuutGevaar => 0,
        ContactKind::VeiligThuis if s.involves_minor() => 1,
        ContactKind::Aandachtsfunctionaris => 2,
        _ => 3,
    }
}

/// The ordered advice for a signal.
pub fn advise(route: &Route, s: &Signal, cards: Option<&CardSet>) -> Vec<AdviceStep> {
    // (rank, first rule index, step)
    let mut steps: Vec<(u8, usize, AdviceStep)> = Vec::new();
    for (i, rule) in route.rules.iter().enumerate() {
        if !holds(&rule.when, s, cards) {
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
                rank(contact.kind, s),
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
    CoreError::InvalidContent(msg)
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
    }
}

/// Parses and validates a route (JSON).
pub fn parse_route(json: &str) -> Result<Route> {
    let r: Route = serde_json::from_str(json).map_err(|e| bad(format!("not a meldroute: {e}")))?;
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
            return Err(bad(format!("contact id {:?} empty or duplicate", c.id)));
        }
        if c.name.trim().is_empty() {
            return Err(bad(format!("contact {} has no name", c.id)));
        }
        let has = |o: &Option<String>| o.as_deref().is_some_and(|s| !s.trim().is_empty());
        if !has(&c.phone) && !has(&c.email) {
            return Err(bad(format!("contact {} has no phone or e-mail", c.id)));
        }
    }
    let mut rule_ids = HashSet::new();
    for rule in &r.rules {
        if rule.id.trim().is_empty() || !rule_ids.insert(rule.id.as_str()) {
            return Err(bad(format!("rule id {:?} empty or duplicate", rule.id)));
        }
        if r.contact(&rule.contact).is_none() {
            return Err(bad(format!(
                "rule {} names unknown contact {}",
                rule.id, rule.contact
            )));
        }
        if rule.reason.trim().is_empty() {
            return Err(bad(format!("rule {} has no reason", rule.id)));
        }
    }
    for c in &r.contacts {
        if !r.rules.iter().any(|rule| rule.contact == c.id) {
            return Err(bad(format!(
                "contact {} is never advised (unreachable step)",
                c.id
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
            "a plain signal must be advised to the attention officer first".into(),
        ));
    }
    let mut acute = probe_signal();
    acute.urgency = Urgency::AcuutGevaar;
    if first_kind(&acute) != Some(ContactKind::Noodnummer) {
        return Err(bad("acute danger must be advised to 112 first".into()));
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
            "a signal about a minor must be advised to Veilig Thuis".into(),
        ));
    }
    Ok(())
}
