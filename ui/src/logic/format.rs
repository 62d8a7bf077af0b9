//! Formatting of dates, times, contact links and enum lists for display (Dutch conventions).

use chrono::{NaiveDate, NaiveDateTime};
use zicht_model::Form;

/// `12-03-2026 14:05`.
pub fn datetime_nl(dt: &NaiveDateTime) -> String {
    dt.format("%d-%m-%Y %H:%M").to_string()
}

/// `12-03-2026`.
pub fn date_nl(d: &NaiveDate) -> String {
    d.format("%d-%m-%Y").to_string()
}

/// `14:05`.
pub fn time_nl(dt: &NaiveDateTime) -> String {
    dt.format("%H:%M").to_string()
}

/// The value format of `<input type="datetime-local">`: `2026-03-12T14:05`.
pub fn to_datetime_local(dt: &NaiveDateTime) -> String {
    dt.format("%Y-%m-%dT%H:%M").to_string()
}

/// Parses the value of a `datetime-local` input (with or without seconds).
pub fn parse_datetime_local(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f"))
        .ok()
}

/// Parses the value of a `date` input (`2026-03-12`).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// A `tel:` link target: digits and a leading `+` only.
pub fn tel_href(phone: &str) -> String {
    let mut out = String::from("tel:");
    for (i, c) in phone.trim().chars().enumerate() {
        if c.is_ascii_digit() || (c == '+' && i == 0) {
            out.push(c);
        }
    }
    out
}

/// A `mailto:` link target.
pub fn mailto_href(email: &str) -> String {
    format!("mailto:{}", email.trim())
}

/// Dutch labels of the forms, comma separated; "Niet opgegeven" when empty.
pub fn forms_text(forms: &[Form]) -> String {
    if forms.is_empty() {
        return "Niet opgegeven".to_string();
    }
    forms
        .iter()
        .map(|f| f.label())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Lower-cases and strips the common Latin diacritics, for forgiving search (`één` = `een`).
pub fn fold(s: &str) -> String {
    s.chars()
        .flat_map(|c| c.to_lowercase())
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            other => other,
        })
        .collect()
}

/// True when every whitespace-separated term of `query` occurs in `haystack` (both folded).
/// An empty query matches everything.
pub fn matches_query(haystack: &str, query: &str) -> bool {
    let hay = fold(haystack);
    fold(query)
        .split_whitespace()
        .all(|term| hay.contains(term))
}

/// "1 signaal" / "3 signalen".
pub fn count_text(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The options of a select for the values of an enum: (wire name, label) pairs.
pub fn choices<T: Copy>(
    all: &[T],
    wire: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|v| (wire(*v).to_string(), label(*v).to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_local_round_trips() {
        let dt = parse_datetime_local("2026-03-12T14:05").unwrap();
        assert_eq!(to_datetime_local(&dt), "2026-03-12T14:05");
        assert_eq!(datetime_nl(&dt), "12-03-2026 14:05");
        assert!(parse_datetime_local("2026-03-12T14:05:30").is_some());
        assert!(parse_datetime_local("").is_none());
        assert!(parse_datetime_local("12-03-2026").is_none());
    }

    #[test]
    fn dates_parse() {
        assert_eq!(date_nl(&parse_date("2026-01-02").unwrap()), "02-01-2026");
        assert!(parse_date("2026-13-02").is_none());
    }

    #[test]
    fn contact_links_are_clean() {
        assert_eq!(tel_href("0800-7000"), "tel:08007000");
        assert_eq!(tel_href(" +31 (0)30 123 45 67"), "tel:+310301234567");
        assert_eq!(tel_href("112"), "tel:112");
        assert_eq!(mailto_href(" a@b.nl "), "mailto:a@b.nl");
    }

    #[test]
    fn search_folds_case_and_diacritics() {
        assert!(matches_query("Geen eigen identiteitsbewijs", "IDENTITEIT"));
        assert!(matches_query("Werkt zeven dagen per week", "dagen week"));
        assert!(!matches_query("Werkt zeven dagen per week", "dagen nacht"));
        assert!(matches_query("coördinator", "coordinator"));
        assert!(matches_query("anything", "   "));
    }

    #[test]
    fn forms_and_counts() {
        assert_eq!(forms_text(&[]), "Niet opgegeven");
        assert_eq!(
            forms_text(&[Form::Arbeid, Form::Seksueel]),
            "Arbeidsuitbuiting, Seksuele uitbuiting"
        );
        assert_eq!(count_text(1, "signaal", "signalen"), "1 signaal");
        assert_eq!(count_text(0, "signaal", "signalen"), "0 signalen");
    }
}
