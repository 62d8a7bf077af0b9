//! The "Wachtwoord wijzigen" form (Instellingen): what it sends, where each error shows, and
//! the input that shows a backend field.

use zicht_model::{ApiError, ErrorCode, FieldError, PassphraseChange};

/// Shown when the change is done.
pub const CHANGED: &str = "Het wachtwoord is gewijzigd.";

/// The form's three fields as a change, or the field errors of what is missing. Strength,
/// repeat and the current passphrase itself are checked by the backend.
pub fn change_from_form(
    current: &str,
    new: &str,
    repeat: &str,
) -> Result<PassphraseChange, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut missing = |field: &str, value: &str, message: &str| {
        if value.is_empty() {
            errors.push(FieldError {
                field: field.into(),
                message: message.into(),
            });
        }
    };
    missing("current", current, "Vul uw huidige wachtwoord in.");
    missing("passphrase", new, "Vul een nieuw wachtwoord in.");
    missing(
        "passphrase_repeat",
        repeat,
        "Herhaal het nieuwe wachtwoord.",
    );
    if errors.is_empty() {
        Ok(PassphraseChange {
            current: current.into(),
            passphrase: new.into(),
            passphrase_repeat: repeat.into(),
        })
    } else {
        Err(errors)
    }
}

/// A wrong current passphrase comes back without fields: it belongs at the current field.
/// Every other error is left as it is (a delay after failed attempts goes in the alert).
pub fn at_fields(e: ApiError) -> ApiError {
    if e.code == ErrorCode::WrongPassphrase && e.fields.is_empty() {
        ApiError {
            fields: vec![FieldError {
                field: "current".into(),
                message: "Dit is niet uw huidige wachtwoord. Er is niets gewijzigd.".into(),
            }],
            ..e
        }
    } else {
        e
    }
}

/// The input of the form that a backend field name refers to.
pub fn change_field_input(field: &str) -> Option<&'static str> {
    Some(match field {
        "current" => "settings-passphrase-current",
        "passphrase" => "settings-passphrase-new",
        "passphrase_repeat" => "settings-passphrase-repeat",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_sends_the_three_fields_and_names_what_is_missing() {
        let c = change_from_form("oud wachtwoord", "nieuwe zin hier", "nieuwe zin hier").unwrap();
        assert_eq!(
            (
                c.current.as_str(),
                c.passphrase.as_str(),
                c.passphrase_repeat.as_str()
            ),
            ("oud wachtwoord", "nieuwe zin hier", "nieuwe zin hier")
        );
        let e = change_from_form("", "nieuw", "").unwrap_err();
        let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["current", "passphrase_repeat"]);
        assert!(
            format!("{c:?}").find("oud").is_none(),
            "Debug never shows a passphrase"
        );
    }

    #[test]
    fn a_wrong_current_passphrase_shows_at_its_field() {
        let wrong = ApiError::new(
            ErrorCode::WrongPassphrase,
            "Het wachtwoord is onjuist. Er is niets gewijzigd.",
        );
        let e = at_fields(wrong);
        assert_eq!(e.code, ErrorCode::WrongPassphrase);
        assert_eq!(e.fields.len(), 1);
        assert_eq!(e.fields[0].field, "current");
        assert_eq!(
            change_field_input(&e.fields[0].field),
            Some("settings-passphrase-current")
        );
        let wait = ApiError::new(ErrorCode::TooManyAttempts, "Te veel onjuiste pogingen.");
        assert!(
            at_fields(wait).fields.is_empty(),
            "a delay stays in the alert"
        );
        for f in ["passphrase", "passphrase_repeat"] {
            assert!(change_field_input(f).is_some());
        }
        assert_eq!(change_field_input("name"), None);
    }
}
