//! Field controls, for display and for the start form.

use zicht_model::{Control, ControlInput, ControlPartner, ControlType, Location};

/// The partners present, in words; "Geen" when there were none.
pub fn partners_text(p: &[ControlPartner]) -> String {
    if p.is_empty() {
        "Geen".into()
    } else {
        p.iter().map(|x| x.label()).collect::<Vec<_>>().join(", ")
    }
}

/// The controls that have ended (the list of past controls).
pub fn finished(controls: Vec<Control>) -> Vec<Control> {
    controls
        .into_iter()
        .filter(|c| c.ended_at.is_some())
        .collect()
}

/// The start form's fields as input: the kind by its wire name (an integral control when
/// unknown), the location trimmed, the partners in their fixed order.
pub fn control_input(kind: &str, location: &str, partners: &[ControlPartner]) -> ControlInput {
    ControlInput {
        kind: ControlType::from_wire(kind).unwrap_or(ControlType::IntegraleControle),
        started_at: None,
        location: Location {
            description: location.trim().to_string(),
            lat: None,
            lon: None,
        },
        partners: ControlPartner::ALL
            .iter()
            .copied()
            .filter(|p| partners.contains(p))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partners_in_words() {
        assert_eq!(partners_text(&[]), "Geen");
        let all = ControlPartner::ALL;
        assert!(partners_text(all).contains(", "));
    }

    #[test]
    fn the_start_form_keeps_the_partners_in_order() {
        let all = ControlPartner::ALL;
        let reversed: Vec<ControlPartner> = all.iter().rev().copied().collect();
        let input = control_input("onzin", "  Park 1 ", &reversed);
        assert_eq!(input.kind, ControlType::IntegraleControle);
        assert_eq!(input.location.description, "Park 1");
        assert_eq!(input.partners, all);
    }
}
