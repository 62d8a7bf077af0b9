//! Field-level validation errors: which input a backend field name belongs to, and the ids
//! that tie an error message to its input (`aria-describedby`).

use zicht_model::{FieldError, Form};

/// The id of the error message element of an input.
pub fn error_id(input_id: &str) -> String {
    format!("{input_id}-error")
}

/// The element id of a person-row input. Rows are numbered from 1 in the ids (as in the
/// labels P1, P2, ...), while the backend's field names count from 0 (`persons.0.label`).
pub fn person_input_id(index0: usize, part: &str) -> String {
    format!("person-{}-{}", index0 + 1, part)
}

/// The input of the signal form that a backend field name refers to.
pub fn signal_field_input(field: &str) -> Option<String> {
    let id = match field {
        "kind" => "signal-kind-signaal".to_string(),
        "observed_at" => "signal-observed-at".to_string(),
        "source" => "signal-source".to_string(),
        "sector" => "signal-sector".to_string(),
        "location" | "location.description" => "signal-location".to_string(),
        "forms" => format!("signal-form-{}", Form::ALL[0].wire()),
        "indicators" => "indicator-search".to_string(),
        "observation" => "signal-observation".to_string(),
        "urgency" => "signal-urgency".to_string(),
        "persons" => "person-add".to_string(),
        "control_id" => "signal-in-control".to_string(),
        other => {
            let rest = other.strip_prefix("persons.")?;
            let (idx, part) = rest.split_once('.')?;
            let idx: usize = idx.parse().ok()?;
            let part = match part {
                "label" => "label",
                "role" => "role",
                "age_band" => "age",
                "minor" => "minor",
                "nationality" => "nationality",
                _ => return None,
            };
            person_input_id(idx, part)
        }
    };
    Some(id)
}

/// The input of the setup form that a backend field name refers to.
pub fn setup_field_input(field: &str) -> Option<String> {
    Some(
        match field {
            "name" => "setup-name",
            "role" => "setup-role",
            "municipality" => "setup-municipality",
            "passphrase" => "setup-passphrase",
            "passphrase_repeat" => "setup-passphrase-repeat",
            _ => return None,
        }
        .to_string(),
    )
}

/// The input of the control form that a backend field name refers to.
pub fn control_field_input(field: &str) -> Option<String> {
    Some(
        match field {
            "kind" => "control-kind",
            "location" | "location.description" => "control-location",
            "started_at" => "control-kind",
            "partners" => "control-partner-politie",
            _ => return None,
        }
        .to_string(),
    )
}

/// The message(s) for one backend field, joined when there are several.
pub fn message_for(errors: &[FieldError], field: &str) -> Option<String> {
    let msgs: Vec<&str> = errors
        .iter()
        .filter(|e| e.field == field)
        .map(|e| e.message.as_str())
        .collect();
    if msgs.is_empty() {
        None
    } else {
        Some(msgs.join(" "))
    }
}

/// One line of an error summary: the message and, when known, the input to jump to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryItem {
    pub message: String,
    pub target: Option<String>,
}

/// The error summary shown above a form, in the order the backend reported the problems.
pub fn summary(errors: &[FieldError], map: fn(&str) -> Option<String>) -> Vec<SummaryItem> {
    errors
        .iter()
        .map(|e| SummaryItem {
            message: e.message.clone(),
            target: map(&e.field),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fe(field: &str, message: &str) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }

    #[test]
    fn signal_fields_map_to_inputs() {
        assert_eq!(
            signal_field_input("observation").as_deref(),
            Some("signal-observation")
        );
        assert_eq!(
            signal_field_input("observed_at").as_deref(),
            Some("signal-observed-at")
        );
        assert_eq!(
            signal_field_input("forms").as_deref(),
            Some("signal-form-seksueel")
        );
        assert_eq!(
            signal_field_input("persons.0.label").as_deref(),
            Some("person-1-label")
        );
        assert_eq!(
            signal_field_input("persons.2.age_band").as_deref(),
            Some("person-3-age")
        );
        assert_eq!(signal_field_input("persons.x.label"), None);
        assert_eq!(signal_field_input("persons.1.shoe_size"), None);
        assert_eq!(
            signal_field_input("control_id").as_deref(),
            Some("signal-in-control")
        );
        assert_eq!(signal_field_input("bogus"), None);
    }

    #[test]
    fn setup_and_control_fields_map() {
        assert_eq!(
            setup_field_input("passphrase_repeat").as_deref(),
            Some("setup-passphrase-repeat")
        );
        assert_eq!(setup_field_input("x"), None);
        assert_eq!(
            control_field_input("location").as_deref(),
            Some("control-location")
        );
    }

    #[test]
    fn messages_are_joined_per_field_and_summarised_in_order() {
        let errs = vec![
            fe("observation", "Te lang."),
            fe("sector", "Kies een sector."),
            fe("observation", "Leeg."),
        ];
        assert_eq!(
            message_for(&errs, "observation").as_deref(),
            Some("Te lang. Leeg.")
        );
        assert_eq!(message_for(&errs, "urgency"), None);
        let s = summary(&errs, signal_field_input);
        assert_eq!(s.len(), 3);
        assert_eq!(
            s[1],
            SummaryItem {
                message: "Kies een sector.".into(),
                target: Some("signal-sector".into())
            }
        );
        assert_eq!(error_id("signal-sector"), "signal-sector-error");
    }
}
