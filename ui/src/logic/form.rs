//! The signal form as plain data: what the inputs hold, how it becomes a `SignalInput` (for
//! saving and for the autosaved draft), and how a draft becomes form state again.

use crate::logic::format::{parse_datetime_local, to_datetime_local};
use chrono::NaiveDateTime;
use zicht_model::{
    AgeBand, Control, FieldError, Form, Location, Person, PersonRole, RecordKind, Sector,
    SignalInput, Source, Urgency,
};

/// One person row.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonForm {
    pub label: String,
    pub role: PersonRole,
    pub age_band: AgeBand,
    pub minor: bool,
    pub nationality: String,
}

impl PersonForm {
    pub fn new(label: String) -> Self {
        PersonForm {
            label,
            role: PersonRole::Onbekend,
            age_band: AgeBand::Onbekend,
            minor: false,
            nationality: String::new(),
        }
    }
}

/// Everything the signal form holds.
#[derive(Debug, Clone, PartialEq)]
pub struct FormState {
    pub kind: RecordKind,
    pub forms: Vec<Form>,
    pub sector: Option<Sector>,
    /// Ticked indicator ids (may include ticks on cards that are out of view).
    pub ticked: Vec<String>,
    /// Raw `datetime-local` value; ignored inside a control.
    pub observed_at: String,
    /// Ignored inside a control.
    pub source: Option<Source>,
    pub location: String,
    pub observation: String,
    pub urgency: Urgency,
    pub persons: Vec<PersonForm>,
    /// The control this signal is recorded in.
    pub control_id: Option<String>,
}

impl FormState {
    /// A fresh form: now as observation time, or inside the given (active) control with its
    /// location prefilled.
    pub fn fresh(now: NaiveDateTime, control: Option<&Control>) -> Self {
        FormState {
            kind: RecordKind::Signaal,
            forms: Vec::new(),
            sector: None,
            ticked: Vec::new(),
            observed_at: to_datetime_local(&now),
            source: None,
            location: control
                .map(|c| c.location.description.clone())
                .unwrap_or_default(),
            observation: String::new(),
            urgency: Urgency::Normaal,
            persons: Vec::new(),
            control_id: control.map(|c| c.id.clone()),
        }
    }

    /// Restores a saved draft. A draft without an observation time outside a control gets `now`.
    pub fn from_input(input: &SignalInput, now: NaiveDateTime) -> Self {
        FormState {
            kind: input.kind,
            forms: input.forms.clone(),
            sector: input.sector,
            ticked: input.indicators.clone(),
            observed_at: to_datetime_local(&input.observed_at.unwrap_or(now)),
            source: input.source,
            location: input.location.description.clone(),
            observation: input.observation.clone(),
            urgency: input.urgency,
            persons: input
                .persons
                .iter()
                .map(|p| PersonForm {
                    label: p.label.clone(),
                    role: p.role,
                    age_band: p.age_band,
                    minor: p.minor,
                    nationality: p.nationality.clone().unwrap_or_default(),
                })
                .collect(),
            control_id: input.control_id.clone(),
        }
    }

    pub fn in_control(&self) -> bool {
        self.control_id.is_some()
    }

    /// The input to send. `indicators` are the effective ticks (see
    /// `checklist::effective_indicators`). Never fails: the core validates; an unparseable
    /// time becomes `None` (and `local_errors` reports it).
    pub fn to_input(&self, indicators: Vec<String>) -> SignalInput {
        let in_control = self.in_control();
        SignalInput {
            kind: self.kind,
            observed_at: if in_control {
                None
            } else {
                parse_datetime_local(&self.observed_at)
            },
            source: if in_control { None } else { self.source },
            sector: self.sector,
            location: Location {
                description: self.location.trim().to_string(),
                lat: None,
                lon: None,
            },
            forms: Form::ALL
                .iter()
                .copied()
                .filter(|f| self.forms.contains(f))
                .collect(),
            indicators,
            observation: self.observation.clone(),
            persons: self
                .persons
                .iter()
                .map(|p| Person {
                    label: p.label.trim().to_string(),
                    role: p.role,
                    age_band: p.age_band,
                    minor: p.minor || p.age_band.is_minor(),
                    nationality: {
                        let n = p.nationality.trim();
                        (!n.is_empty()).then(|| n.to_string())
                    },
                })
                .collect(),
            urgency: self.urgency,
            control_id: self.control_id.clone(),
        }
    }

    /// Problems the UI can see before asking the core (which checks everything else).
    pub fn local_errors(&self) -> Vec<FieldError> {
        let mut errs = Vec::new();
        if !self.in_control() && parse_datetime_local(&self.observed_at).is_none() {
            errs.push(FieldError {
                field: "observed_at".into(),
                message: "Vul een geldige datum en tijd in.".into(),
            });
        }
        errs
    }
}

/// The label for a new person row: one more than the highest `P<n>` in use.
pub fn next_person_label<'a>(labels: impl IntoIterator<Item = &'a str>) -> String {
    let max = labels
        .into_iter()
        .filter_map(|l| {
            l.trim()
                .strip_prefix('P')
                .or_else(|| l.trim().strip_prefix('p'))
        })
        .filter_map(|n| n.parse::<usize>().ok())
        .max()
        .unwrap_or(0);
    format!("P{}", max + 1)
}

/// Toggles membership of `item` in `list`.
pub fn toggle<T: PartialEq + Clone>(list: &mut Vec<T>, item: &T, on: bool) {
    let present = list.contains(item);
    if on && !present {
        list.push(item.clone());
    } else if !on && present {
        list.retain(|x| x != item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::format::parse_datetime_local;
    use zicht_model::ControlType;

    fn now() -> NaiveDateTime {
        parse_datetime_local("2026-03-12T14:05").unwrap()
    }

    fn control() -> Control {
        Control {
            id: "c1".into(),
            kind: ControlType::IntegraleControle,
            started_at: now(),
            ended_at: None,
            location: Location {
                description: "Parkweg 1".into(),
                lat: None,
                lon: None,
            },
            partners: vec![],
            recorded_by: "Inspecteur".into(),
        }
    }

    #[test]
    fn fresh_form_outside_a_control() {
        let s = FormState::fresh(now(), None);
        assert_eq!(s.observed_at, "2026-03-12T14:05");
        assert!(!s.in_control());
        let input = s.to_input(vec![]);
        assert_eq!(input.observed_at, Some(now()));
        assert_eq!(input.urgency, Urgency::Normaal);
        assert!(s.local_errors().is_empty());
    }

    #[test]
    fn inside_a_control_time_and_source_come_from_the_control() {
        let mut s = FormState::fresh(now(), Some(&control()));
        assert_eq!(s.location, "Parkweg 1");
        s.source = Some(Source::Collega);
        s.observed_at = "garbage".into();
        let input = s.to_input(vec!["a".into()]);
        assert_eq!(input.control_id.as_deref(), Some("c1"));
        assert_eq!(input.observed_at, None);
        assert_eq!(input.source, None);
        assert_eq!(input.location.description, "Parkweg 1");
        assert_eq!(input.indicators, vec!["a".to_string()]);
        assert!(s.local_errors().is_empty());
    }

    #[test]
    fn bad_time_outside_a_control_is_a_local_error() {
        let mut s = FormState::fresh(now(), None);
        s.observed_at = String::new();
        let errs = s.local_errors();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field, "observed_at");
        assert_eq!(s.to_input(vec![]).observed_at, None);
    }

    #[test]
    fn persons_are_trimmed_and_minor_follows_age_band() {
        let mut s = FormState::fresh(now(), None);
        let mut p = PersonForm::new(" P1 ".into());
        p.age_band = AgeBand::Van14Tot17;
        p.nationality = "  ".into();
        s.persons.push(p);
        let mut q = PersonForm::new("P2".into());
        q.nationality = " Roemeens ".into();
        s.persons.push(q);
        let input = s.to_input(vec![]);
        assert_eq!(input.persons[0].label, "P1");
        assert!(input.persons[0].minor);
        assert_eq!(input.persons[0].nationality, None);
        assert!(!input.persons[1].minor);
        assert_eq!(input.persons[1].nationality.as_deref(), Some("Roemeens"));
    }

    #[test]
    fn forms_are_sent_in_canonical_order() {
        let mut s = FormState::fresh(now(), None);
        s.forms = vec![Form::Onbekend, Form::Seksueel];
        assert_eq!(
            s.to_input(vec![]).forms,
            vec![Form::Seksueel, Form::Onbekend]
        );
    }

    #[test]
    fn draft_round_trips_through_signal_input() {
        let mut s = FormState::fresh(now(), None);
        s.kind = RecordKind::Adviesvraag;
        s.forms = vec![Form::Arbeid];
        s.sector = Some(Sector::Bouw);
        s.ticked = vec!["arb-01".into()];
        s.source = Some(Source::Balie);
        s.location = "Kade 3".into();
        s.observation = "Veel matrassen.".into();
        s.urgency = Urgency::Urgent;
        s.persons.push(PersonForm::new("P1".into()));
        let input = s.to_input(s.ticked.clone());
        let back = FormState::from_input(&input, parse_datetime_local("2030-01-01T00:00").unwrap());
        assert_eq!(back, s);
    }

    #[test]
    fn draft_without_time_gets_now() {
        let input = SignalInput::default();
        let s = FormState::from_input(&input, now());
        assert_eq!(s.observed_at, "2026-03-12T14:05");
    }

    #[test]
    fn person_labels_count_up() {
        assert_eq!(next_person_label(Vec::<&str>::new()), "P1");
        assert_eq!(next_person_label(vec!["P1", "P2"]), "P3");
        assert_eq!(next_person_label(vec!["P3", "buurman"]), "P4");
    }

    #[test]
    fn toggle_adds_and_removes_once() {
        let mut v = vec![1, 2];
        toggle(&mut v, &3, true);
        toggle(&mut v, &3, true);
        assert_eq!(v, vec![1, 2, 3]);
        toggle(&mut v, &1, false);
        assert_eq!(v, vec![2, 3]);
    }
}
