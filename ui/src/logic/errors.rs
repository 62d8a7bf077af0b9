//! Backend errors (`ApiError`) in words for the user: the one place that turns an error into
//! text and the one place that looks at `ApiError::code`. Every screen and widget that shows
//! an error goes through here.

use zicht_model::{ApiError, ErrorCode, FieldError};

/// The message of the generic IPC error.
pub const IPC_MESSAGE: &str = "Er ging iets mis in de verbinding met de app.";

/// The error for anything the IPC throws that is not an `ApiError`.
pub fn ipc_error() -> ApiError {
    ApiError::new(ErrorCode::Ipc, IPC_MESSAGE)
}

/// The error's own message (for a load whose failure is shown with its context later).
pub fn message(e: ApiError) -> String {
    e.message
}

/// `context: reason`, the shape of every failure the user reads ("De casus kon niet worden
/// geopend: …").
pub fn with_reason(context: &str, reason: &str) -> String {
    format!("{context}: {reason}")
}

/// `context: message` for an error.
pub fn failure_text(context: &str, e: &ApiError) -> String {
    with_reason(context, &e.message)
}

/// The messages of the errors whose field is not shown next to an input (they go in an
/// alert).
pub fn unplaced(errors: &[FieldError], placed: impl Fn(&str) -> bool) -> Vec<String> {
    errors
        .iter()
        .filter(|e| !placed(&e.field))
        .map(|e| e.message.clone())
        .collect()
}

/// The alert text for an error in a form that shows the fields `placed` next to their inputs:
/// the field messages it cannot place there, else the error's own message.
pub fn alert_message(e: &ApiError, placed: impl Fn(&str) -> bool) -> String {
    let rest = unplaced(&e.fields, placed);
    if rest.is_empty() {
        e.message.clone()
    } else {
        rest.join(" ")
    }
}

/// The alert of a form that shows the fields `placed` next to their inputs: the error's
/// message (after `context`, when given) when it has no field problems; the field messages no
/// input shows; `None` when every problem is shown at its field.
pub fn form_alert(
    context: Option<&str>,
    e: &ApiError,
    placed: impl Fn(&str) -> bool,
) -> Option<String> {
    if e.fields.is_empty() {
        return Some(match context {
            Some(c) => failure_text(c, e),
            None => e.message.clone(),
        });
    }
    let rest = unplaced(&e.fields, placed);
    (!rest.is_empty()).then(|| rest.join(" "))
}

/// The error's message followed by the field messages no input shows (a form whose alert
/// always says what happened).
pub fn message_and_unplaced(e: &ApiError, placed: impl Fn(&str) -> bool) -> String {
    let rest = unplaced(&e.fields, placed);
    if rest.is_empty() {
        e.message.clone()
    } else {
        format!("{} {}", e.message, rest.join(" "))
    }
}

/// The field errors, or, when there are none, the message as an error of `field` (a form with
/// one field shows every problem there).
pub fn fields_or_message(e: ApiError, field: &str) -> Vec<FieldError> {
    if e.fields.is_empty() {
        vec![FieldError {
            field: field.into(),
            message: e.message,
        }]
    } else {
        e.fields
    }
}

/// What the user reads when saving a file (a bundle, the audit log) failed: `what` ("Opslaan
/// als bestand is mislukt") before the reason, except when the core already says in a whole
/// Whether the typed fingerprint of a first directory did not match its root (the form stays
/// open, with the message at the field).
pub fn is_fingerprint_mismatch(e: &ApiError) -> bool {
    e.code == ErrorCode::DirectoryFingerprintMismatch
}

/// sentence that the file was not saved and why (`FileNotSaved`).
pub fn export_failure_text(what: &str, e: &ApiError) -> String {
    let message = alert_message(e, |_| false);
    if e.code == ErrorCode::FileNotSaved {
        message
    } else {
        with_reason(what, &message)
    }
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

    fn validation(fields: Vec<FieldError>) -> ApiError {
        ApiError {
            code: ErrorCode::Validation,
            message: "Eén veld is niet goed ingevuld. Zie de melding bij het veld.".into(),
            fields,
        }
    }

    #[test]
    fn unplaced_keeps_the_messages_no_field_shows() {
        let errs = vec![
            fe("signals.1", "Hoort al bij een andere casus."),
            fe("title", "Leeg."),
            fe("signals.9", "Weg."),
        ];
        assert_eq!(
            unplaced(&errs, |f| f == "title" || f.starts_with("signals.")),
            Vec::<String>::new()
        );
        assert_eq!(unplaced(&errs, |f| f == "title").len(), 2);
    }

    #[test]
    fn an_alert_holds_the_field_messages_no_field_shows() {
        let e = validation(vec![fe("path", "Kies een bestandsnaam.")]);
        // A form without that field (the "save as" export): its message in the alert.
        assert_eq!(alert_message(&e, |_| false), "Kies een bestandsnaam.");
        // A form that shows it at the field: the general message, which points there.
        assert_eq!(alert_message(&e, |f| f == "path"), e.message);
        let plain = ApiError {
            fields: vec![],
            ..e
        };
        assert_eq!(alert_message(&plain, |_| false), plain.message);
    }

    #[test]
    fn a_form_alert_is_left_out_when_every_field_shows_its_problem() {
        let e = validation(vec![fe("note", "Leeg."), fe("other", "Weg.")]);
        assert_eq!(form_alert(None, &e, |f| f == "note"), Some("Weg.".into()));
        assert_eq!(form_alert(None, &e, |_| true), None);
        let plain = ApiError::new(ErrorCode::Locked, "Zicht is vergrendeld.");
        assert_eq!(
            form_alert(Some("Niet aangemaakt"), &plain, |_| true),
            Some("Niet aangemaakt: Zicht is vergrendeld.".into())
        );
        assert_eq!(
            message_and_unplaced(&e, |f| f == "note"),
            format!("{} Weg.", e.message)
        );
        assert_eq!(message_and_unplaced(&plain, |_| false), plain.message);
    }

    #[test]
    fn a_one_field_form_shows_the_message_at_its_field() {
        let plain = ApiError::new(ErrorCode::Locked, "Zicht is vergrendeld.");
        assert_eq!(
            fields_or_message(plain, "outcome"),
            [fe("outcome", "Zicht is vergrendeld.")]
        );
        let e = validation(vec![fe("outcome", "Te lang.")]);
        assert_eq!(fields_or_message(e, "outcome"), [fe("outcome", "Te lang.")]);
    }

    #[test]
    fn an_export_failure_says_it_once() {
        fn check(code: ErrorCode, message: &str, expected: &str) {
            let e = ApiError::new(code, message);
            assert_eq!(export_failure_text("Exporteren is mislukt", &e), expected);
        }
        check(
            ErrorCode::FileNotSaved,
            "Het bestand is niet opgeslagen: de schijf is vol. Probeer het opnieuw, zo nodig op een andere plek.",
            "Het bestand is niet opgeslagen: de schijf is vol. Probeer het opnieuw, zo nodig op een andere plek.",
        );
        check(
            ErrorCode::Locked,
            "Zicht is vergrendeld.",
            "Exporteren is mislukt: Zicht is vergrendeld.",
        );
    }
}
