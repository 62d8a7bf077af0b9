//! Cases (casussen), for display and for building the inputs of the case screens: status
//! buttons, timeline lines, the legal basis in words, and form state → `CaseInput`,
//! `StepInput` and `ForwardInput`.

use crate::logic::exchange::{is_me, outbox_state_text};
use crate::logic::format::{date_nl, datetime_nl, forms_text};
use chrono::NaiveDate;
use std::collections::BTreeSet;
use zicht_model::{
    CaseAdvice, CaseInput, CaseStatus, Decision, DirectoryStatus, FieldError, ForwardInput,
    LegalBasis, LegalBasisInput, LegalBasisKind, OutboxItem, OutboxState, Participant,
    ParticipantRole, RouteStep, ShareField, SignalSummary, StepInput, StepKind, Weging,
};

/// The label of the button that moves a case from `current` to `to`.
pub fn status_button_label(current: CaseStatus, to: CaseStatus) -> &'static str {
    match to {
        CaseStatus::InBehandeling if current == CaseStatus::Afgesloten => "Heropenen",
        CaseStatus::InBehandeling => "In behandeling nemen",
        CaseStatus::Afgesloten => "Afsluiten",
        other => other.label(),
    }
}

/// The class of that button: `case-status-<wire>`.
pub fn status_button_class(to: CaseStatus) -> String {
    format!("case-status-{}", to.wire())
}

/// What a timeline line is, in words.
pub fn step_kind_text(step: &RouteStep) -> String {
    match step.kind {
        StepKind::Contact => format!("Contact met {}", step.to),
        StepKind::Tafel => format!("Doorgestuurd naar {}", step.to),
        StepKind::Besluit => "Besluit ontvangen".into(),
        StepKind::Status => format!("Status: {}", step.to),
    }
}

/// The shared fields in words, in display order.
pub fn fields_text(fields: &[ShareField]) -> String {
    if fields.is_empty() {
        return "niets".into();
    }
    ShareField::ALL
        .iter()
        .filter(|f| fields.contains(f))
        .map(|f| f.label())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `Grondslag: <kind> — <explanation>; gedeeld: <fields>`.
pub fn basis_text(b: &LegalBasis) -> String {
    format!(
        "Grondslag: {} — {}; gedeeld: {}",
        b.kind.label(),
        b.explanation,
        fields_text(&b.fields)
    )
}

/// The retention deadline of a case: a date once it is closed.
pub fn retention_text(until: Option<&NaiveDate>) -> String {
    match until {
        Some(d) => date_nl(d),
        None => "zolang de casus loopt".into(),
    }
}

/// The current weighing in one line.
pub fn weging_text(w: Option<&Weging>) -> String {
    match w {
        Some(w) => format!(
            "{} (door {} op {}): {}",
            w.level.label(),
            w.author,
            datetime_nl(&w.at),
            w.motivation
        ),
        None => "Nog niet gewogen.".into(),
    }
}

/// Who decided when: `door <name> op <time>`.
pub fn decision_by_text(d: &Decision) -> String {
    format!("Door {} op {}", d.decided_by, datetime_nl(&d.decided_at))
}

/// The label of a signal in the "new case" list: date, sector, location.
pub fn signal_choice_text(s: &SignalSummary) -> String {
    let location = if s.location.trim().is_empty() {
        "locatie niet opgegeven"
    } else {
        s.location.trim()
    };
    format!(
        "{} · {} · {} ({})",
        datetime_nl(&s.observed_at),
        s.sector.label(),
        location,
        s.status.label().to_lowercase()
    )
}

/// The id of a checkbox `<prefix>-<value>` (whitespace, which an id cannot hold, becomes `-`).
pub fn choice_id(prefix: &str, value: &str) -> String {
    let clean: String = value
        .chars()
        .map(|c| if c.is_whitespace() { '-' } else { c })
        .collect();
    format!("{prefix}-{clean}")
}

/// Adds or removes `value` in a set of chosen values.
pub fn toggle<T: Ord + Clone>(set: &mut BTreeSet<T>, value: &T, on: bool) {
    if on {
        set.insert(value.clone());
    } else {
        set.remove(value);
    }
}

/// The chosen values in the order they are listed (the order the backend reports `signals.N`
/// in).
pub fn in_order(chosen: &BTreeSet<String>, order: &[String]) -> Vec<String> {
    order
        .iter()
        .filter(|v| chosen.contains(*v))
        .cloned()
        .collect()
}

/// The input to create a case.
pub fn case_input(title: &str, signal_ids: Vec<String>, acute: bool) -> CaseInput {
    CaseInput {
        title: title.trim().to_string(),
        signal_ids,
        acute,
    }
}

/// Maps the backend's `signals.N` errors (N = position in the submitted list) to the signal
/// ids they are about: `(signal id, message)`.
pub fn signal_errors(errors: &[FieldError], submitted: &[String]) -> Vec<(String, String)> {
    errors
        .iter()
        .filter_map(|e| {
            let i: usize = e.field.strip_prefix("signals.")?.parse().ok()?;
            Some((submitted.get(i)?.clone(), e.message.clone()))
        })
        .collect()
}

/// One-click step to a contact inside the municipality (no legal basis needed).
pub fn internal_step_input(advice: &CaseAdvice) -> StepInput {
    StepInput {
        contact_id: advice.step.contact.id.clone(),
        reason: advice.step.reasons.join("; "),
        outcome: None,
        legal_basis: None,
        fields: Vec::new(),
    }
}

/// The legal basis as entered: the kind from a select value (empty = not chosen).
pub fn basis_input(kind: &str, explanation: &str) -> LegalBasisInput {
    LegalBasisInput {
        kind: LegalBasisKind::from_wire(kind.trim()),
        explanation: explanation.trim().to_string(),
    }
}

/// The chosen fields in display order.
pub fn fields_in_order(chosen: &BTreeSet<ShareField>) -> Vec<ShareField> {
    ShareField::ALL
        .iter()
        .copied()
        .filter(|f| chosen.contains(f))
        .collect()
}

/// A step to a contact outside the municipality: always with the legal basis as entered, so
/// the core names every missing part.
pub fn external_step_input(
    advice: &CaseAdvice,
    kind: &str,
    explanation: &str,
    fields: &BTreeSet<ShareField>,
    outcome: &str,
) -> StepInput {
    let outcome = outcome.trim();
    StepInput {
        contact_id: advice.step.contact.id.clone(),
        reason: advice.step.reasons.join("; "),
        outcome: (!outcome.is_empty()).then(|| outcome.to_string()),
        legal_basis: Some(basis_input(kind, explanation)),
        fields: fields_in_order(fields),
    }
}

/// The forwarding form's state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ForwardForm {
    pub recipients: BTreeSet<String>,
    pub signals: BTreeSet<String>,
    pub fields: BTreeSet<ShareField>,
    pub basis_kind: String,
    pub explanation: String,
    pub reason: String,
}

impl ForwardForm {
    /// The defaults: the regional table(s) checked, every signal of the case, only the
    /// observation (need to know).
    pub fn new(recipients: &[Participant], case_signals: &[String]) -> Self {
        ForwardForm {
            recipients: recipients
                .iter()
                .filter(|p| p.role == ParticipantRole::RegionaleTafel)
                .map(|p| p.id.clone())
                .collect(),
            signals: case_signals.iter().cloned().collect(),
            fields: [ShareField::Observatie].into_iter().collect(),
            ..Default::default()
        }
    }

    /// The input for `forward_case`; recipients and signals in the order they are listed.
    pub fn input(&self, recipients: &[Participant], case_signals: &[String]) -> ForwardInput {
        let ids: Vec<String> = recipients.iter().map(|p| p.id.clone()).collect();
        ForwardInput {
            recipient_ids: in_order(&self.recipients, &ids),
            signal_ids: in_order(&self.signals, case_signals),
            fields: fields_in_order(&self.fields),
            legal_basis: basis_input(&self.basis_kind, &self.explanation),
            reason: self.reason.trim().to_string(),
        }
    }
}

/// Who a case can be forwarded to: the regional table first, then attention officers (by
/// municipality and name); never this device.
pub fn forward_recipients(dir: &DirectoryStatus) -> Vec<Participant> {
    let mut out: Vec<Participant> = dir
        .participants
        .iter()
        .filter(|p| {
            matches!(
                p.role,
                ParticipantRole::RegionaleTafel | ParticipantRole::Aandachtsfunctionaris
            )
        })
        .filter(|p| !is_me(dir, p) && !p.revoked)
        .cloned()
        .collect();
    out.sort_by(|a, b| {
        let rank = |p: &Participant| p.role != ParticipantRole::RegionaleTafel;
        (rank(a), &a.municipality, &a.display_name, &a.id).cmp(&(
            rank(b),
            &b.municipality,
            &b.display_name,
            &b.id,
        ))
    });
    out
}

/// The result line after forwarding.
pub fn forward_status_text(item: &OutboxItem) -> String {
    let state = match &item.state {
        OutboxState::Wacht => "wacht op verbinding".to_string(),
        other => {
            let text = outbox_state_text(other);
            let mut chars = text.chars();
            match chars.next() {
                Some(c) => c.to_lowercase().chain(chars).collect(),
                None => text,
            }
        }
    };
    format!("Verstuurd naar de regionale tafel: {state}")
}

/// The facts of a signal in a case: date, sector, forms, urgency.
pub fn case_signal_heading(s: &zicht_model::Signal) -> String {
    format!(
        "{} · {} · {} · {}",
        datetime_nl(&s.observed_at),
        s.sector.label(),
        forms_text(&s.forms),
        s.urgency.label()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;
    use zicht_model::{AdviceStep, Contact, ContactKind, Sector, SignalStatus, Suspicion};

    fn at() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, 12)
            .unwrap()
            .and_hms_opt(14, 5, 0)
            .unwrap()
    }

    fn advice(kind: ContactKind) -> CaseAdvice {
        CaseAdvice {
            step: AdviceStep {
                order: 1,
                contact: Contact {
                    id: "vt".into(),
                    kind,
                    name: "Veilig Thuis".into(),
                    description: String::new(),
                    phone: None,
                    email: None,
                    hours: None,
                },
                reasons: vec!["Minderjarige".into(), "Geweld".into()],
                rule_ids: vec![],
            },
            taken_at: None,
            external: kind != ContactKind::Aandachtsfunctionaris,
        }
    }

    fn p(id: &str, role: ParticipantRole, municipality: &str, key: &str) -> Participant {
        Participant {
            id: id.into(),
            municipality: municipality.into(),
            role,
            display_name: format!("Naam {id}"),
            signing_key: "00".repeat(32),
            encryption_key: key.into(),
            revoked: false,
        }
    }

    fn fe(field: &str, message: &str) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }

    #[test]
    fn status_buttons() {
        use CaseStatus::*;
        assert_eq!(
            status_button_label(Open, InBehandeling),
            "In behandeling nemen"
        );
        assert_eq!(status_button_label(Afgesloten, InBehandeling), "Heropenen");
        assert_eq!(status_button_label(Open, Afgesloten), "Afsluiten");
        assert_eq!(
            status_button_class(InBehandeling),
            "case-status-in_behandeling"
        );
        assert_eq!(status_button_class(Afgesloten), "case-status-afgesloten");
    }

    #[test]
    fn timeline_lines_and_basis() {
        let mut s = RouteStep {
            kind: StepKind::Contact,
            at: at(),
            by: "An".into(),
            contact_id: Some("vt".into()),
            to: "Veilig Thuis".into(),
            reason: "r".into(),
            outcome: None,
            legal_basis: None,
        };
        assert_eq!(step_kind_text(&s), "Contact met Veilig Thuis");
        s.kind = StepKind::Tafel;
        s.to = "Tafel IJsselstreek".into();
        assert_eq!(step_kind_text(&s), "Doorgestuurd naar Tafel IJsselstreek");
        s.kind = StepKind::Besluit;
        assert_eq!(step_kind_text(&s), "Besluit ontvangen");
        s.kind = StepKind::Status;
        s.to = "Afgesloten".into();
        assert_eq!(step_kind_text(&s), "Status: Afgesloten");
        let b = LegalBasis {
            kind: LegalBasisKind::Convenant,
            explanation: "Casus voldoet aan de criteria".into(),
            fields: vec![ShareField::Locatie, ShareField::Observatie],
            recorded_by: "An".into(),
            recorded_at: at(),
        };
        assert_eq!(
            basis_text(&b),
            "Grondslag: Privacyconvenant van de regionale tafel — Casus voldoet aan de criteria; \
             gedeeld: Waarneming (vrije tekst), Locatie"
        );
        assert_eq!(fields_text(&[]), "niets");
    }

    #[test]
    fn retention_weging_and_decision_texts() {
        assert_eq!(retention_text(None), "zolang de casus loopt");
        let d = NaiveDate::from_ymd_opt(2031, 1, 2).unwrap();
        assert_eq!(retention_text(Some(&d)), "02-01-2031");
        assert_eq!(weging_text(None), "Nog niet gewogen.");
        let w = Weging {
            level: Suspicion::Versterkt,
            motivation: "Twee bronnen".into(),
            at: at(),
            author: "An".into(),
        };
        assert_eq!(
            weging_text(Some(&w)),
            "Versterkt vermoeden (door An op 12-03-2026 14:05): Twee bronnen"
        );
        let dec = Decision {
            case_id: "c".into(),
            track: zicht_model::Track::Zorgtraject,
            explanation: "x".into(),
            decided_at: at(),
            decided_by: "Tafel".into(),
        };
        assert_eq!(decision_by_text(&dec), "Door Tafel op 12-03-2026 14:05");
    }

    #[test]
    fn new_case_input_and_signal_errors() {
        let s = SignalSummary {
            id: "s1".into(),
            kind: zicht_model::RecordKind::Signaal,
            observed_at: at(),
            sector: Sector::Vakantiepark,
            forms: vec![],
            location: " ".into(),
            urgency: zicht_model::Urgency::ALL[0],
            status: SignalStatus::Nieuw,
            indicator_count: 0,
        };
        assert_eq!(
            signal_choice_text(&s),
            "12-03-2026 14:05 · Vakantiepark · locatie niet opgegeven (nieuw)"
        );
        let order: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let mut chosen = BTreeSet::new();
        toggle(&mut chosen, &"c".to_string(), true);
        toggle(&mut chosen, &"a".to_string(), true);
        toggle(&mut chosen, &"b".to_string(), true);
        toggle(&mut chosen, &"b".to_string(), false);
        let ids = in_order(&chosen, &order);
        assert_eq!(ids, ["a", "c"]);
        let input = case_input("  Chalets  ", ids.clone(), true);
        assert_eq!(input.title, "Chalets");
        assert!(input.acute);
        let errs = vec![
            fe("signals.1", "Hoort al bij een andere casus."),
            fe("title", "Leeg."),
            fe("signals.9", "Weg."),
        ];
        assert_eq!(
            signal_errors(&errs, &ids),
            [(
                "c".to_string(),
                "Hoort al bij een andere casus.".to_string()
            )]
        );
        assert_eq!(choice_id("case-signal", "a b"), "case-signal-a-b");
    }

    #[test]
    fn step_inputs() {
        let a = advice(ContactKind::Aandachtsfunctionaris);
        let s = internal_step_input(&a);
        assert_eq!(s.contact_id, "vt");
        assert_eq!(s.reason, "Minderjarige; Geweld");
        assert_eq!(s.legal_basis, None);
        assert!(s.fields.is_empty() && s.outcome.is_none());

        let a = advice(ContactKind::VeiligThuis);
        let fields: BTreeSet<ShareField> = [ShareField::Locatie, ShareField::Observatie]
            .into_iter()
            .collect();
        let s = external_step_input(&a, "zorgplicht", " omdat ", &fields, "  ");
        assert_eq!(
            s.legal_basis,
            Some(LegalBasisInput {
                kind: Some(LegalBasisKind::Zorgplicht),
                explanation: "omdat".into()
            })
        );
        assert_eq!(s.fields, [ShareField::Observatie, ShareField::Locatie]);
        assert_eq!(s.outcome, None);
        // Nothing chosen still sends a (empty) basis, so the core names each missing part.
        let s = external_step_input(&a, "", "", &BTreeSet::new(), "Gebeld");
        assert_eq!(s.legal_basis.unwrap().kind, None);
        assert_eq!(s.outcome.as_deref(), Some("Gebeld"));
    }

    #[test]
    fn forward_recipients_defaults_and_input() {
        let dir = DirectoryStatus {
            region: "R".into(),
            version: 1,
            root_fingerprint: String::new(),
            participants: vec![
                p(
                    "af-zut",
                    ParticipantRole::Aandachtsfunctionaris,
                    "Zutphen",
                    "aa",
                ),
                p("insp", ParticipantRole::Toezichthouder, "Zutphen", "bb"),
                p("tafel", ParticipantRole::RegionaleTafel, "Deventer", "cc"),
                p(
                    "af-dev",
                    ParticipantRole::Aandachtsfunctionaris,
                    "Deventer",
                    "dd",
                ),
            ],
            me: Some(p(
                "af-dev-2",
                ParticipantRole::Aandachtsfunctionaris,
                "Deventer",
                "DD",
            )),
        };
        let people = forward_recipients(&dir);
        let ids: Vec<&str> = people.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["tafel", "af-zut"]);

        let case_signals = vec!["s2".to_string(), "s1".to_string()];
        let mut f = ForwardForm::new(&people, &case_signals);
        assert_eq!(f.recipients.iter().collect::<Vec<_>>(), ["tafel"]);
        assert_eq!(f.signals.len(), 2);
        assert_eq!(fields_in_order(&f.fields), [ShareField::Observatie]);
        f.recipients.insert("af-zut".into());
        f.fields.insert(ShareField::Verrijking);
        f.basis_kind = "convenant".into();
        f.explanation = " Criteria ".into();
        f.reason = " Multidisciplinair ".into();
        let input = f.input(&people, &case_signals);
        assert_eq!(input.recipient_ids, ["tafel", "af-zut"]);
        assert_eq!(input.signal_ids, ["s2", "s1"]);
        assert_eq!(
            input.fields,
            [ShareField::Observatie, ShareField::Verrijking]
        );
        assert_eq!(input.legal_basis.kind, Some(LegalBasisKind::Convenant));
        assert_eq!(input.legal_basis.explanation, "Criteria");
        assert_eq!(input.reason, "Multidisciplinair");
        f.basis_kind = "bogus".into();
        assert_eq!(f.input(&people, &case_signals).legal_basis.kind, None);
    }

    #[test]
    fn forward_status() {
        let mut item = OutboxItem {
            id: "x".into(),
            created_at: at(),
            recipients: vec![],
            signal_ids: vec![],
            size: 1,
            state: OutboxState::Wacht,
            attempts: 0,
            exported_at: None,
        };
        assert_eq!(
            forward_status_text(&item),
            "Verstuurd naar de regionale tafel: wacht op verbinding"
        );
        item.state = OutboxState::Verzonden { receipt_at: at() };
        assert_eq!(
            forward_status_text(&item),
            "Verstuurd naar de regionale tafel: verzonden; ontvangst bevestigd op 12-03-2026 14:05"
        );
    }
}
