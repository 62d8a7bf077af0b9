//! The signal list filter, built from the raw values of the filter inputs.

use crate::logic::format::parse_date;
use zicht_model::{Form, Sector, SignalFilter, SignalStatus};

/// The raw values of the filter inputs (wire names, `YYYY-MM-DD` dates, free text).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FilterInputs {
    pub form: String,
    pub sector: String,
    pub status: String,
    pub from: String,
    pub to: String,
    pub text: String,
}

/// Builds the filter; empty or unparseable inputs mean "no restriction".
pub fn build_filter(i: &FilterInputs) -> SignalFilter {
    let text = i.text.trim();
    SignalFilter {
        form: Form::from_wire(&i.form),
        sector: Sector::from_wire(&i.sector),
        status: SignalStatus::from_wire(&i.status),
        from: parse_date(&i.from),
        to: parse_date(&i.to),
        text: if text.is_empty() {
            None
        } else {
            Some(text.to_string())
        },
        control_id: None,
    }
}

/// Whether any restriction is active (to offer "Filters wissen").
pub fn is_filtered(i: &FilterInputs) -> bool {
    build_filter(i) != SignalFilter::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_inputs_give_the_empty_filter() {
        assert_eq!(
            build_filter(&FilterInputs::default()),
            SignalFilter::default()
        );
        assert!(!is_filtered(&FilterInputs {
            text: "   ".into(),
            ..Default::default()
        }));
    }

    #[test]
    fn inputs_are_parsed() {
        let f = build_filter(&FilterInputs {
            form: "arbeid".into(),
            sector: "bouw".into(),
            status: "nieuw".into(),
            from: "2026-01-01".into(),
            to: "not a date".into(),
            text: " kelder ".into(),
        });
        assert_eq!(f.form, Some(Form::Arbeid));
        assert_eq!(f.sector, Some(Sector::Bouw));
        assert_eq!(f.status, Some(SignalStatus::Nieuw));
        assert_eq!(f.from, parse_date("2026-01-01"));
        assert_eq!(f.to, None);
        assert_eq!(f.text.as_deref(), Some("kelder"));
    }
}
