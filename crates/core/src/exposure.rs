//! What may leave the municipality, and in what form: whether a recipient is outside it, the
//! legal basis (grondslag) that sharing outside needs, and the need-to-know copy of a signal
//! that goes along. Case forwarding and sending signals both go through these rules.

use crate::error::{CoreError, Result};
use crate::ids::Now;
use zicht_model::*;

/// Whether sending to `p` shares data outside the sender's municipality (the regional table
/// always counts as outside).
pub(crate) fn is_external(p: &Participant, me: &Profile) -> bool {
    p.role == ParticipantRole::RegionaleTafel
        || !p.municipality.eq_ignore_ascii_case(&me.municipality)
}

/// Checks a legal basis and the need-to-know selection; every missing part becomes a field
/// error under `legal_basis.kind`, `legal_basis.explanation` or `fields`.
pub(crate) fn check_basis(
    input: Option<&LegalBasisInput>,
    fields: &[ShareField],
    actor: &str,
    now: Now,
) -> Result<LegalBasis> {
    let mut errors = Vec::new();
    let mut add = |field: &str, message: &str| {
        errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        })
    };
    let kind = input.and_then(|b| b.kind);
    if kind.is_none() {
        add(
            "legal_basis.kind",
            "Kies de grondslag waarop u deze gegevens deelt.",
        );
    }
    let explanation = input.map(|b| b.explanation.trim()).unwrap_or("");
    if explanation.is_empty() {
        add(
            "legal_basis.explanation",
            "Licht toe waarom deze grondslag hier van toepassing is.",
        );
    } else if explanation.chars().count() > MAX_NOTE_CHARS {
        add(
            "legal_basis.explanation",
            &format!("Maximaal {MAX_NOTE_CHARS} tekens."),
        );
    }
    if fields.is_empty() {
        add(
            "fields",
            "Kies welke gegevens meegaan (alleen wat de ontvanger nodig heeft).",
        );
    }
    match kind {
        Some(kind) if errors.is_empty() => {
            let mut fields = fields.to_vec();
            fields.sort();
            fields.dedup();
            Ok(LegalBasis {
                kind,
                explanation: explanation.into(),
                fields,
                recorded_by: actor.into(),
                recorded_at: now.naive_local(),
            })
        }
        _ => Err(CoreError::LegalBasisRequired(errors)),
    }
}

/// A copy of a signal with only the chosen fields (need to know). Kind, time, sector, forms
/// and urgency always go along: without them the recipient cannot weigh anything.
pub(crate) fn strip(s: &Signal, fields: &[ShareField]) -> Signal {
    let has = |f| fields.contains(&f);
    Signal {
        observation: if has(ShareField::Observatie) {
            s.observation.clone()
        } else {
            String::new()
        },
        persons: if has(ShareField::Personen) {
            s.persons.clone()
        } else {
            Vec::new()
        },
        location: if has(ShareField::Locatie) {
            s.location.clone()
        } else {
            Location::default()
        },
        indicators: if has(ShareField::Indicatoren) {
            s.indicators.clone()
        } else {
            Vec::new()
        },
        control_id: None,
        received_from: None,
        ..s.clone()
    }
}
