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

/// Rows of a signal list drawn at first, and added per "Meer tonen": drawing 100 000 rows took
/// the web process to 6 GB and half a minute (docs/benchmarks.md).
pub const PAGE: usize = 200;

/// How many of `total` rows to draw when `shown` were asked for, and the line under a list
/// that is cut short ("200 van 1234 signalen getoond").
pub fn page_of(total: usize, shown: usize) -> (usize, Option<String>) {
    let k = shown.min(total);
    (
        k,
        (k < total).then(|| format!("{k} van {total} signalen getoond.")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_are_drawn_a_page_at_a_time() {
        for (total, shown, expected) in [
            (0, PAGE, (0, None)),
            (5, PAGE, (5, None)),
            (PAGE, PAGE, (PAGE, None)),
            (1234, PAGE, (200, Some("200 van 1234 signalen getoond."))),
            (1234, 1200, (1200, Some("1200 van 1234 signalen getoond."))),
            (1234, 1400, (1234, None)),
        ] {
            let (k, line) = page_of(total, shown);
            assert_eq!(
                (k, line.as_deref()),
                (expected.0, expected.1),
                "{total} {shown}"
            );
        }
    }

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
