//! Binnengekomen and the regional table, for display: the state of a received bundle in words,
//! the legal basis it came with, what the officer or the table may do with it, and the
//! messages after accepting or deciding.

use crate::logic::format::count_text;
use zicht_model::{
    Disposition, InboxItem, IncomingSummary, LegalBasis, OutboxItem, OutboxState, Role, ShareField,
};

/// What the officer did with a bundle: "Nieuw", "Opgenomen", "Niet relevant: <reason>".
pub fn disposition_text(d: &Disposition) -> String {
    match d {
        Disposition::Nieuw => "Nieuw".into(),
        Disposition::Geaccepteerd { .. } => "Opgenomen".into(),
        Disposition::NietRelevant { reason, .. } => format!("Niet relevant: {reason}"),
    }
}

/// The state column of the list: a decision sent back or received comes before the
/// disposition.
pub fn incoming_state_text(i: &IncomingSummary) -> String {
    if let Some(t) = i.answered {
        return format!("Besluit verstuurd: {}", t.label());
    }
    if let Some(t) = i.decision {
        return format!("Besluit: {}", t.label());
    }
    disposition_text(&i.disposition)
}

/// The state of an opened bundle, in the same words as the list.
pub fn item_state_text(i: &InboxItem) -> String {
    if let Some(d) = &i.answered {
        return format!("Besluit verstuurd: {}", d.track.label());
    }
    if let Some(d) = &i.payload.decision {
        return format!("Besluit: {}", d.track.label());
    }
    disposition_text(&i.disposition)
}

/// "Grondslag: <kind> — <explanation>. Gedeeld: <fields>".
pub fn basis_text(b: &LegalBasis) -> String {
    let shared = if b.fields.is_empty() {
        "geen signaalgegevens".to_string()
    } else {
        b.fields
            .iter()
            .map(|f| f.label())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let explanation = b.explanation.trim().trim_end_matches('.');
    format!(
        "Grondslag: {} — {explanation}. Gedeeld: {shared}.",
        b.kind.label()
    )
}

/// The fields the sender left out, e.g. "Locatie, Verrijkingsnotities van de casus: niet
/// gedeeld."; `None` when everything was shared.
pub fn not_shared_text(b: &LegalBasis) -> Option<String> {
    let left_out: Vec<&str> = ShareField::ALL
        .iter()
        .filter(|f| !b.fields.contains(f))
        .map(|f| f.label())
        .collect();
    (!left_out.is_empty()).then(|| format!("{}: niet gedeeld.", left_out.join(", ")))
}

/// A plain signal bundle (no case, no decision).
pub fn is_plain(item: &InboxItem) -> bool {
    item.payload.case.is_none() && item.payload.decision.is_none()
}

/// Whether this user may accept the bundle or mark it not relevant.
pub fn can_accept(role: Option<Role>, item: &InboxItem) -> bool {
    role == Some(Role::Aandachtsfunctionaris)
        && is_plain(item)
        && matches!(item.disposition, Disposition::Nieuw)
}

/// Whether this user (the regional table) may still decide on the case in the bundle.
pub fn can_decide(role: Option<Role>, item: &InboxItem) -> bool {
    role == Some(Role::RegionaleTafel) && item.payload.case.is_some() && item.answered.is_none()
}

/// After accepting: "Opgenomen: 2 signalen staan nu in uw lijst."
pub fn accepted_text(n: usize) -> String {
    if n == 1 {
        "Opgenomen: 1 signaal staat nu in uw lijst.".into()
    } else {
        format!(
            "Opgenomen: {} staan nu in uw lijst.",
            count_text(n, "signaal", "signalen")
        )
    }
}

/// The state of an outgoing decision, lower case for inside a sentence.
pub fn outbox_state_short(state: &OutboxState) -> String {
    match state {
        OutboxState::Wacht => "wacht op verbinding".into(),
        OutboxState::Verzonden { .. } => "verzonden".into(),
        OutboxState::Fout { reason } => format!("fout: {reason}"),
    }
}

/// After deciding: "Besluit verstuurd aan <recipient>: wacht op verbinding".
pub fn decision_sent_text(item: &OutboxItem) -> String {
    format!(
        "Besluit verstuurd aan {}: {}",
        item.recipients.join(", "),
        outbox_state_short(&item.state)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use zicht_model::{
        BundlePayload, CaseShare, LegalBasisKind, Participant, ParticipantRole, Profile, Track,
    };

    fn at() -> chrono::NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 22)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap()
    }

    fn sender() -> Participant {
        Participant {
            id: "insp".into(),
            municipality: "Zutphen".into(),
            role: ParticipantRole::Toezichthouder,
            display_name: "T. Test".into(),
            signing_key: "00".repeat(32),
            encryption_key: "11".repeat(32),
            revoked: false,
        }
    }

    fn item() -> InboxItem {
        InboxItem {
            id: "b1".into(),
            received_at: at(),
            sender: sender(),
            payload: BundlePayload {
                version: 1,
                sent_at: at(),
                sender: Profile {
                    name: "T. Test".into(),
                    role: Role::Toezichthouder,
                    municipality: "Zutphen".into(),
                },
                signals: vec![],
                legal_basis: None,
                case: None,
                decision: None,
                monitor: None,
            },
            disposition: Disposition::Nieuw,
            answered: None,
        }
    }

    fn summary() -> IncomingSummary {
        IncomingSummary {
            id: "b1".into(),
            received_at: at(),
            sender: sender(),
            sent_at: at(),
            signals: 2,
            disposition: Disposition::Nieuw,
            case_title: None,
            acute: false,
            decision: None,
            answered: None,
        }
    }

    #[test]
    fn states_in_words() {
        let mut s = summary();
        assert_eq!(incoming_state_text(&s), "Nieuw");
        s.disposition = Disposition::Geaccepteerd {
            at: at(),
            by: "A".into(),
        };
        assert_eq!(incoming_state_text(&s), "Opgenomen");
        s.disposition = Disposition::NietRelevant {
            at: at(),
            by: "A".into(),
            reason: "dubbel".into(),
        };
        assert_eq!(incoming_state_text(&s), "Niet relevant: dubbel");
        s.decision = Some(Track::Zorgtraject);
        assert_eq!(incoming_state_text(&s), "Besluit: Zorgtraject");
        s.answered = Some(Track::GeenVervolg);
        assert_eq!(incoming_state_text(&s), "Besluit verstuurd: Geen vervolg");
    }

    #[test]
    fn legal_basis_texts() {
        let mut b = LegalBasis {
            kind: LegalBasisKind::Convenant,
            explanation: "Casus voor de tafel.".into(),
            fields: vec![ShareField::Observatie, ShareField::Locatie],
            recorded_by: "A".into(),
            recorded_at: at(),
        };
        assert_eq!(
            basis_text(&b),
            "Grondslag: Privacyconvenant van de regionale tafel — Casus voor de tafel. Gedeeld: Waarneming (vrije tekst), Locatie."
        );
        assert_eq!(
            not_shared_text(&b).unwrap(),
            "Betrokken personen (labels, leeftijd, rol), Aangevinkte indicatoren, Verrijkingsnotities van de casus: niet gedeeld."
        );
        b.fields = ShareField::ALL.to_vec();
        assert_eq!(not_shared_text(&b), None);
        b.fields.clear();
        assert!(basis_text(&b).ends_with("Gedeeld: geen signaalgegevens."));
    }

    #[test]
    fn who_may_do_what() {
        let mut i = item();
        let af = Some(Role::Aandachtsfunctionaris);
        let tafel = Some(Role::RegionaleTafel);
        assert!(can_accept(af, &i));
        assert!(!can_accept(tafel, &i));
        assert!(!can_accept(None, &i));
        assert!(!can_decide(tafel, &i));
        i.payload.case = Some(CaseShare {
            case_id: "c".into(),
            title: "Chalets".into(),
            municipality: "Zutphen".into(),
            acute: false,
            weging: None,
            notes: vec![],
        });
        assert!(!can_accept(af, &i));
        assert!(can_decide(tafel, &i));
        assert!(!can_decide(af, &i));
        i.answered = Some(zicht_model::Decision {
            case_id: "c".into(),
            track: Track::Zorgtraject,
            explanation: "x".into(),
            decided_at: at(),
            decided_by: "T".into(),
        });
        assert!(!can_decide(tafel, &i));
        assert_eq!(item_state_text(&i), "Besluit verstuurd: Zorgtraject");
        let mut i = item();
        assert_eq!(item_state_text(&i), "Nieuw");
        i.disposition = Disposition::NietRelevant {
            at: at(),
            by: "A".into(),
            reason: "r".into(),
        };
        assert!(!can_accept(af, &i));
    }

    #[test]
    fn messages() {
        assert_eq!(
            accepted_text(1),
            "Opgenomen: 1 signaal staat nu in uw lijst."
        );
        assert_eq!(
            accepted_text(3),
            "Opgenomen: 3 signalen staan nu in uw lijst."
        );
        let mut o = OutboxItem {
            id: "o".into(),
            created_at: at(),
            recipients: vec!["A. Functionaris".into()],
            signal_ids: vec![],
            size: 1,
            state: OutboxState::Wacht,
            attempts: 0,
            exported_at: None,
        };
        assert_eq!(
            decision_sent_text(&o),
            "Besluit verstuurd aan A. Functionaris: wacht op verbinding"
        );
        o.state = OutboxState::Verzonden { receipt_at: at() };
        assert_eq!(
            decision_sent_text(&o),
            "Besluit verstuurd aan A. Functionaris: verzonden"
        );
    }
}
