//! The settings form: its text fields as `Settings`, with a message for each one that is not a
//! whole number.

use zicht_model::{FieldError, Retention, Settings, MIN_SMALL_CELL_THRESHOLD};

/// Parses the minutes input; `None` when it is not a whole number.
pub fn parse_minutes(s: &str) -> Option<u32> {
    s.trim().parse().ok()
}

/// The form's fields as `Settings`, or the field errors of what is not a whole number.
pub fn settings_from_form(
    minutes: &str,
    adviesvraag: &str,
    signaal: &str,
    casus: &str,
    threshold: &str,
) -> Result<Settings, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut number = |field: &str, value: &str, message: &str| {
        parse_minutes(value).unwrap_or_else(|| {
            errors.push(FieldError {
                field: field.into(),
                message: message.into(),
            });
            0
        })
    };
    const MONTHS: &str = "Vul een heel aantal maanden in, tussen 1 en 120.";
    let settings = Settings {
        idle_lock_minutes: number(
            "idle_lock_minutes",
            minutes,
            "Vul een heel aantal minuten in, tussen 1 en 240.",
        ),
        retention: Retention {
            adviesvraag_months: number("retention.adviesvraag_months", adviesvraag, MONTHS),
            signaal_months: number("retention.signaal_months", signaal, MONTHS),
            closed_case_months: number("retention.closed_case_months", casus, MONTHS),
        },
        small_cell_threshold: number(
            "small_cell_threshold",
            threshold,
            &format!("Vul een heel getal in, tussen {MIN_SMALL_CELL_THRESHOLD} en 20."),
        )
        .into(),
    };
    if errors.is_empty() {
        Ok(settings)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_parse() {
        assert_eq!(parse_minutes(" 15 "), Some(15));
        assert_eq!(parse_minutes("1.5"), None);
        assert_eq!(parse_minutes(""), None);
    }

    #[test]
    fn the_form_sends_idle_minutes_and_all_three_terms() {
        let s = settings_from_form("15", "6", "18", "48", "7").unwrap();
        assert_eq!(s.idle_lock_minutes, 15);
        assert_eq!(s.small_cell_threshold, 7);
        assert_eq!(
            s.retention,
            Retention {
                adviesvraag_months: 6,
                signaal_months: 18,
                closed_case_months: 48,
            }
        );
        let e = settings_from_form("x", "6", "", "4,5", "vijf").unwrap_err();
        let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "idle_lock_minutes",
                "retention.signaal_months",
                "retention.closed_case_months",
                "small_cell_threshold"
            ]
        );
    }
}
