//! The monitor *aard en omvang*: the period picker and filters as a [`MonitorQuery`], and the
//! texts around the figures (period names, the ledger note, durations).
//!
//! Every figure comes from the core after small-cell suppression and is shown as its `text`;
//! nothing here computes a figure or a total.

use crate::logic::format::{date_nl, parse_date};
use chrono::{Datelike, NaiveDate};
use zicht_model::{
    month_name, FieldError, Figure, Form, MonitorFilter, MonitorKind, MonitorQuery, MonitorRow,
    MonitorTable, PeriodKind, Sector, Source, MONTH_NAMES,
};

/// The raw values of the picker and the filters (wire names, numbers and `YYYY-MM-DD` dates as
/// the inputs hold them). Month and quarter are kept apart, so switching between them keeps
/// each choice.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MonitorInputs {
    pub period: String,
    pub year: String,
    pub month: String,
    pub quarter: String,
    pub from: String,
    pub to: String,
    pub municipality: String,
    pub kind: String,
    pub form: String,
    pub sector: String,
    pub source: String,
}

/// The quarter (1..=4) a date falls in.
pub fn quarter_of(date: NaiveDate) -> u32 {
    date.month0() / 3 + 1
}

/// The first day of the quarter `date` falls in.
fn quarter_start(date: NaiveDate) -> NaiveDate {
    let month = (quarter_of(date) - 1) * 3 + 1;
    NaiveDate::from_ymd_opt(date.year(), month, 1).unwrap_or(date)
}

/// The last day of the quarter `date` falls in.
fn quarter_end(date: NaiveDate) -> NaiveDate {
    quarter_start(date)
        .checked_add_months(chrono::Months::new(3))
        .and_then(|d| d.pred_opt())
        .unwrap_or(date)
}

/// What the screen opens with: the current quarter, no filters. For "Eigen periode" the dates
/// are this quarter's first and last day (the core takes whole months only); for "Maand" the
/// current month.
pub fn default_inputs(today: NaiveDate) -> MonitorInputs {
    MonitorInputs {
        period: PeriodKind::Quarter.wire().into(),
        year: today.year().to_string(),
        month: today.month().to_string(),
        quarter: quarter_of(today).to_string(),
        from: quarter_start(today).format("%Y-%m-%d").to_string(),
        to: quarter_end(today).format("%Y-%m-%d").to_string(),
        ..MonitorInputs::default()
    }
}

fn field(field: &str, message: &str) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

/// The input ids of the picker, by the field names [`build_query`] reports problems under.
pub const FIELD_YEAR: &str = "year";
pub const FIELD_PART: &str = "part";
pub const FIELD_FROM: &str = "from";
pub const FIELD_TO: &str = "to";

/// Builds the query, or says which inputs are missing or wrong (Dutch, per field). Empty
/// filters mean "no restriction"; the municipality is trimmed.
pub fn build_query(i: &MonitorInputs) -> Result<MonitorQuery, Vec<FieldError>> {
    let period = PeriodKind::from_wire(&i.period).unwrap_or(PeriodKind::Quarter);
    let mut errors = Vec::new();
    let year = match i.year.trim().parse::<i32>() {
        Ok(y) if (1..=9999).contains(&y) => y,
        _ => {
            if period != PeriodKind::Range {
                errors.push(field(FIELD_YEAR, "Kies een jaar."));
            }
            0
        }
    };
    let part = match period {
        PeriodKind::Month => match i.month.trim().parse::<u32>() {
            Ok(m) if (1..=12).contains(&m) => m,
            _ => {
                errors.push(field(FIELD_PART, "Kies een maand."));
                0
            }
        },
        PeriodKind::Quarter => match i.quarter.trim().parse::<u32>() {
            Ok(q) if (1..=4).contains(&q) => q,
            _ => {
                errors.push(field(FIELD_PART, "Kies een kwartaal."));
                0
            }
        },
        PeriodKind::Year | PeriodKind::Range => 0,
    };
    let (from, to) = if period == PeriodKind::Range {
        let from = parse_date(&i.from);
        let to = parse_date(&i.to);
        if from.is_none() {
            errors.push(field(FIELD_FROM, "Vul een begindatum in."));
        }
        if to.is_none() {
            errors.push(field(FIELD_TO, "Vul een einddatum in."));
        }
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                errors.push(field(FIELD_TO, "De einddatum ligt vóór de begindatum."));
            }
        }
        (from, to)
    } else {
        (None, None)
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let municipality = i.municipality.trim();
    Ok(MonitorQuery {
        period,
        // A range carries its first day's year (the core reads the dates).
        year: match (period, from) {
            (PeriodKind::Range, Some(f)) => f.year(),
            _ => year,
        },
        part,
        from,
        to,
        filter: MonitorFilter {
            municipality: (!municipality.is_empty()).then(|| municipality.to_string()),
            kind: MonitorKind::from_wire(&i.kind),
            form: Form::from_wire(&i.form),
            sector: Sector::from_wire(&i.sector),
            source: Source::from_wire(&i.source),
        },
    })
}

/// Whether any filter is set (to offer "Filters wissen").
pub fn is_filtered(i: &MonitorInputs) -> bool {
    !(i.municipality.trim().is_empty()
        && i.kind.is_empty()
        && i.form.is_empty()
        && i.sector.is_empty()
        && i.source.is_empty())
}

/// "3e kwartaal".
fn quarter_name(quarter: u32) -> String {
    format!("{quarter}e kwartaal")
}

/// The period of a query in words, for the heading: "maart 2026", "3e kwartaal 2026", "2026",
/// "15-01-2026 t/m 31-03-2026".
pub fn period_label(q: &MonitorQuery) -> String {
    match q.period {
        PeriodKind::Month => match month_name(q.part) {
            Some(m) => format!("{m} {}", q.year),
            None => q.year.to_string(),
        },
        PeriodKind::Quarter => format!("{} {}", quarter_name(q.part), q.year),
        PeriodKind::Year => q.year.to_string(),
        PeriodKind::Range => match (q.from, q.to) {
            (Some(f), Some(t)) => format!("{} t/m {}", date_nl(&f), date_nl(&t)),
            _ => PeriodKind::Range.label().to_lowercase(),
        },
    }
}

/// A period label from the core (`2026-07`, `2026-Q3`, `2026`, `2026-01-15..2026-03-31`) in
/// words: "juli 2026", "3e kwartaal 2026", "2026", "15-01-2026 t/m 31-03-2026". Anything else
/// is shown as it came.
pub fn column_title(label: &str) -> String {
    let label = label.trim();
    if let Some((from, to)) = label.split_once("..") {
        if let (Some(f), Some(t)) = (parse_date(from), parse_date(to)) {
            return format!("{} t/m {}", date_nl(&f), date_nl(&t));
        }
        return label.to_string();
    }
    let year_ok = |y: &str| y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit());
    if let Some((year, rest)) = label.split_once('-') {
        if year_ok(year) {
            if let Some(q) = rest.strip_prefix('Q') {
                if let Ok(q @ 1..=4) = q.parse::<u32>() {
                    return format!("{} {year}", quarter_name(q));
                }
            } else if rest.len() == 2 {
                if let Some(m) = rest.parse::<u32>().ok().and_then(month_name) {
                    return format!("{m} {year}");
                }
            }
        }
    }
    label.to_string()
}

/// Shown instead of the figures while the period is incomplete (its fields say what is
/// missing).
pub const INCOMPLETE: &str = "Vul de periode volledig in om de cijfers te zien.";

/// What a chart of a breakdown shows: per category the figure of the first column (the
/// period asked for), as published.
pub fn current_items(table: &MonitorTable) -> Vec<(String, Figure)> {
    table
        .rows
        .iter()
        .filter_map(|r| Some((r.label.clone(), r.cells.first()?.clone())))
        .collect()
}

/// What the trend chart of one row (a kind) shows: per month its figure, months in words.
pub fn row_over_columns(table: &MonitorTable, row: &MonitorRow) -> Vec<(String, Figure)> {
    table
        .columns
        .iter()
        .zip(&row.cells)
        .map(|(c, f)| (column_title(c), f.clone()))
        .collect()
}

/// Joins words the Dutch way: "a", "a en b", "a, b en c".
fn join_nl(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} en {last}", init.join(", ")),
    }
}

/// The note when purged records are counted from the anonymous ledger: "Voor juli 2026 en
/// augustus 2026 zijn ook verwijderde registraties meegeteld (anoniem, per maand)."
pub fn ledger_note(months: &[String]) -> Option<String> {
    if months.is_empty() {
        return None;
    }
    let names: Vec<String> = months.iter().map(|m| column_title(m)).collect();
    Some(format!(
        "Voor {} zijn ook verwijderde registraties meegeteld (anoniem, per maand).",
        join_nl(&names)
    ))
}

/// The note under a table whose categories overlap.
pub const MULTI_VALUED_NOTE: &str =
    "Een melding kan onder meer vormen vallen; het totaal telt meldingen.";

/// The text of a duration's median: "12 dagen", or that there are too few records.
pub fn median_text(median_days: Option<i64>) -> String {
    match median_days {
        Some(d) => days_text(d),
        None => "te weinig om te tonen".into(),
    }
}

/// "1 dag" / "12 dagen".
pub fn days_text(days: i64) -> String {
    if days == 1 {
        "1 dag".into()
    } else {
        format!("{days} dagen")
    }
}

/// Shortest to longest: "3–41 dagen"; empty without a median (too few records) or either end.
pub fn spread_text(median: Option<i64>, min: Option<i64>, max: Option<i64>) -> String {
    match (median, min, max) {
        (Some(_), Some(lo), Some(hi)) if lo == hi => days_text(lo),
        (Some(_), Some(lo), Some(hi)) => format!("{lo}–{hi} dagen"),
        _ => String::new(),
    }
}

/// Suggestions for the municipality field: the user's own and the one the last report was
/// about, without blanks or repeats.
pub fn municipality_suggestions(own: Option<&str>, reported: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in [own, reported].into_iter().flatten() {
        let m = m.trim();
        if !m.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(m)) {
            out.push(m.to_string());
        }
    }
    out
}

/// The options of the year select: this year and the nine before, newest first.
pub fn year_options(this_year: i32) -> Vec<(String, String)> {
    (0..10)
        .map(|back| {
            let y = (this_year - back).to_string();
            (y.clone(), y)
        })
        .collect()
}

/// The options of the month select.
pub fn month_options() -> Vec<(String, String)> {
    MONTH_NAMES
        .iter()
        .enumerate()
        .map(|(i, m)| ((i + 1).to_string(), m.to_string()))
        .collect()
}

/// The options of the quarter select ("3e kwartaal").
pub fn quarter_options() -> Vec<(String, String)> {
    (1..=4u32)
        .map(|q| (q.to_string(), quarter_name(q)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn the_default_is_the_current_quarter() {
        // (today, quarter, first and last day of that quarter)
        for (today, quarter, start, end) in [
            ("2026-01-01", 1, "2026-01-01", "2026-03-31"),
            ("2026-03-31", 1, "2026-01-01", "2026-03-31"),
            ("2026-04-01", 2, "2026-04-01", "2026-06-30"),
            ("2026-08-15", 3, "2026-07-01", "2026-09-30"),
            ("2026-12-31", 4, "2026-10-01", "2026-12-31"),
        ] {
            let i = default_inputs(d(today));
            let q = build_query(&i).unwrap();
            assert_eq!(q.period, PeriodKind::Quarter, "{today}");
            assert_eq!((q.year, q.part), (2026, quarter), "{today}");
            assert_eq!((q.from, q.to), (None, None));
            assert_eq!(q.filter, MonitorFilter::default());
            assert_eq!(i.from, start, "{today}");
            assert_eq!(i.to, end, "{today}");
            assert!(!is_filtered(&i));
        }
    }

    #[test]
    fn every_period_kind_builds_its_query() {
        let base = default_inputs(d("2026-08-15"));
        // (kind, expected year, part, from, to)
        type Case<'a> = (&'a str, i32, u32, Option<&'a str>, Option<&'a str>);
        let cases: &[Case] = &[
            ("month", 2026, 8, None, None),
            ("quarter", 2026, 3, None, None),
            ("year", 2026, 0, None, None),
            ("range", 2026, 0, Some("2026-07-01"), Some("2026-09-30")),
        ];
        for (kind, year, part, from, to) in cases {
            let q = build_query(&MonitorInputs {
                period: kind.to_string(),
                ..base.clone()
            })
            .unwrap();
            assert_eq!(q.period.wire(), *kind);
            assert_eq!((q.year, q.part), (*year, *part), "{kind}");
            assert_eq!(q.from, from.map(d), "{kind}");
            assert_eq!(q.to, to.map(d), "{kind}");
        }
        // A range carries the year of its first day.
        let q = build_query(&MonitorInputs {
            period: "range".into(),
            from: "2025-11-01".into(),
            to: "2026-02-28".into(),
            ..base
        })
        .unwrap();
        assert_eq!(q.year, 2025);
    }

    #[test]
    fn missing_or_wrong_inputs_are_named_per_field() {
        let base = default_inputs(d("2026-08-15"));
        let fields = |i: MonitorInputs| -> Vec<String> {
            build_query(&i)
                .unwrap_err()
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        let range = |from: &str, to: &str| MonitorInputs {
            period: "range".into(),
            from: from.into(),
            to: to.into(),
            ..base.clone()
        };
        assert_eq!(fields(range("", "")), [FIELD_FROM, FIELD_TO]);
        assert_eq!(fields(range("2026-01-01", "31-01-2026")), [FIELD_TO]);
        assert_eq!(fields(range("2026-02-01", "2026-01-31")), [FIELD_TO]);
        // A range does not need the year select.
        assert!(build_query(&MonitorInputs {
            year: String::new(),
            ..range("2026-01-01", "2026-01-01")
        })
        .is_ok());
        assert_eq!(
            fields(MonitorInputs {
                period: "month".into(),
                month: "13".into(),
                ..base.clone()
            }),
            [FIELD_PART]
        );
        assert_eq!(
            fields(MonitorInputs {
                quarter: "0".into(),
                ..base.clone()
            }),
            [FIELD_PART]
        );
        assert_eq!(
            fields(MonitorInputs {
                period: "year".into(),
                year: "twintig".into(),
                ..base
            }),
            [FIELD_YEAR]
        );
    }

    #[test]
    fn filters_are_read_from_their_wire_names() {
        let i = MonitorInputs {
            municipality: "  Zutphen ".into(),
            kind: "casus".into(),
            form: "arbeid".into(),
            sector: "bouw".into(),
            source: "huisbezoek".into(),
            ..default_inputs(d("2026-08-15"))
        };
        assert!(is_filtered(&i));
        let f = build_query(&i).unwrap().filter;
        assert_eq!(f.municipality.as_deref(), Some("Zutphen"));
        assert_eq!(f.kind, Some(MonitorKind::Casus));
        assert_eq!(f.form, Some(Form::Arbeid));
        assert_eq!(f.sector, Some(Sector::Bouw));
        assert_eq!(f.source, Some(Source::Huisbezoek));
        let blank = MonitorInputs {
            municipality: "   ".into(),
            kind: "iets anders".into(),
            ..default_inputs(d("2026-08-15"))
        };
        assert_eq!(
            build_query(&blank).unwrap().filter,
            MonitorFilter::default()
        );
    }

    #[test]
    fn periods_in_words() {
        let q = |period, year, part, from: Option<&str>, to: Option<&str>| MonitorQuery {
            period,
            year,
            part,
            from: from.map(d),
            to: to.map(d),
            filter: MonitorFilter::default(),
        };
        for (query, expected) in [
            (q(PeriodKind::Month, 2026, 3, None, None), "maart 2026"),
            (
                q(PeriodKind::Quarter, 2026, 3, None, None),
                "3e kwartaal 2026",
            ),
            (q(PeriodKind::Year, 2026, 0, None, None), "2026"),
            (
                q(
                    PeriodKind::Range,
                    2026,
                    0,
                    Some("2026-01-15"),
                    Some("2026-03-31"),
                ),
                "15-01-2026 t/m 31-03-2026",
            ),
            (q(PeriodKind::Range, 2026, 0, None, None), "eigen periode"),
        ] {
            assert_eq!(period_label(&query), expected);
        }
        for (label, expected) in [
            ("2026-07", "juli 2026"),
            ("2026-Q3", "3e kwartaal 2026"),
            ("2026", "2026"),
            ("2026-01-15..2026-03-31", "15-01-2026 t/m 31-03-2026"),
            ("2026-13", "2026-13"),
            ("2026-Q5", "2026-Q5"),
            ("Totaal", "Totaal"),
            ("x..y", "x..y"),
        ] {
            assert_eq!(column_title(label), expected, "{label}");
        }
    }

    fn fig(text: &str, value: Option<u64>, hidden: bool) -> Figure {
        Figure {
            text: text.into(),
            value,
            hidden,
        }
    }

    fn row(key: &str, cells: Vec<Figure>) -> MonitorRow {
        MonitorRow {
            key: key.into(),
            label: key.to_uppercase(),
            cells,
        }
    }

    #[test]
    fn charts_show_the_published_figures_as_they_are() {
        let table = MonitorTable {
            id: "form".into(),
            title: "Vorm van uitbuiting".into(),
            multi_valued: true,
            columns: vec!["2026-07".into(), "2026-08".into()],
            rows: vec![
                row(
                    "arbeid",
                    vec![fig("12", Some(12), false), fig("9", Some(9), false)],
                ),
                row(
                    "seksueel",
                    vec![fig("<5", None, true), fig("–", None, true)],
                ),
                row("leeg", vec![]),
            ],
            totals: vec![fig("14", Some(14), false), fig("11", Some(11), false)],
            notes: vec![],
        };
        assert_eq!(
            current_items(&table),
            [
                ("ARBEID".to_string(), fig("12", Some(12), false)),
                ("SEKSUEEL".to_string(), fig("<5", None, true)),
            ]
        );
        assert_eq!(
            row_over_columns(&table, &table.rows[1]),
            [
                ("juli 2026".to_string(), fig("<5", None, true)),
                ("augustus 2026".to_string(), fig("–", None, true)),
            ]
        );
        assert!(row_over_columns(&table, &table.rows[2]).is_empty());
    }

    #[test]
    fn the_ledger_note_names_its_months() {
        assert_eq!(ledger_note(&[]), None);
        assert_eq!(
            ledger_note(&["2026-07".into()]).unwrap(),
            "Voor juli 2026 zijn ook verwijderde registraties meegeteld (anoniem, per maand)."
        );
        assert_eq!(
            ledger_note(&["2026-07".into(), "2026-08".into(), "2026-09".into()]).unwrap(),
            "Voor juli 2026, augustus 2026 en september 2026 zijn ook verwijderde registraties meegeteld (anoniem, per maand)."
        );
    }

    #[test]
    fn durations_in_words() {
        assert_eq!(median_text(None), "te weinig om te tonen");
        assert_eq!(median_text(Some(1)), "1 dag");
        assert_eq!(median_text(Some(12)), "12 dagen");
        assert_eq!(spread_text(Some(12), Some(3), Some(41)), "3–41 dagen");
        assert_eq!(spread_text(Some(4), Some(4), Some(4)), "4 dagen");
        assert_eq!(spread_text(None, Some(3), Some(41)), "");
        assert_eq!(spread_text(Some(3), None, Some(41)), "");
    }

    #[test]
    fn suggestions_and_options() {
        assert_eq!(
            municipality_suggestions(Some("Zutphen"), Some(" zutphen ")),
            ["Zutphen"]
        );
        assert_eq!(
            municipality_suggestions(Some(""), Some("Regio IJssel")),
            ["Regio IJssel"]
        );
        assert!(municipality_suggestions(None, None).is_empty());
        let years = year_options(2026);
        assert_eq!(years.len(), 10);
        assert_eq!(years[0].0, "2026");
        assert_eq!(years[9].0, "2017");
        assert_eq!(month_options()[2], ("3".into(), "maart".into()));
        assert_eq!(quarter_options()[2], ("3".into(), "3e kwartaal".into()));
        assert_eq!(quarter_of(d("2026-10-01")), 4);
    }
}
