//! Geometry of the horizontal bar charts (drawn as inline SVG by `widgets::BarChart`).
//!
//! The chart draws published figures only: a bar's length is its figure's `value` relative to
//! the largest value shown in the same chart, and a hidden figure (small-cell suppression) gets
//! no bar, only its text. Nothing here computes a figure.
//!
//! Lengths are percentages of the chart's width and vertical positions are in `em`, so the
//! chart fills whatever width it gets and its text keeps the page's font size at any zoom
//! (no `viewBox` scaling that would shrink the text in a narrow window).

use zicht_model::Figure;

/// The share of the chart's width the longest bar takes; the rest holds the number beside it.
pub const BAR_SPACE_PCT: f64 = 75.0;
/// The shortest bar drawn for a value above zero, so a small shown value is still a bar.
pub const MIN_BAR_PCT: f64 = 0.5;
/// Height of one row (label line, bar and its number), in `em`.
pub const ROW_EM: f64 = 3.25;
/// Baseline of the category label within a row.
const LABEL_Y_EM: f64 = 1.1;
/// Top of the bar within a row.
const BAR_Y_EM: f64 = 1.5;
/// Height of a bar.
pub const BAR_H_EM: f64 = 1.25;
/// Baseline of the number beside the bar (vertically centred on the bar).
const VALUE_Y_EM: f64 = 2.55;
/// Room below the last row.
const BOTTOM_EM: f64 = 0.5;

/// The title of a hidden figure (a tooltip in the chart and on a table cell).
pub const HIDDEN_TITLE: &str = "Klein aantal, verborgen om herkenbaarheid te voorkomen";

/// One row of a chart, as the widget draws it.
#[derive(Debug, Clone, PartialEq)]
pub struct BarRow {
    pub label: String,
    /// The figure's text as published (`"12"`, `"<5"`, `"–"`).
    pub text: String,
    pub hidden: bool,
    /// Length of the bar in % of the chart's width; `None`: no bar (hidden or no value).
    pub width_pct: Option<f64>,
    /// Where the number starts, in % of the width (after the bar, or at the start).
    pub text_x_pct: f64,
    pub label_y_em: f64,
    pub bar_y_em: f64,
    pub value_y_em: f64,
}

/// A whole chart: its rows and its height in `em`.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChartLayout {
    pub rows: Vec<BarRow>,
    pub height_em: f64,
}

/// The largest value among the figures shown (hidden ones do not count: their value is not
/// published).
pub fn max_shown(figures: &[&Figure]) -> Option<u64> {
    figures
        .iter()
        .filter(|f| !f.hidden)
        .filter_map(|f| f.value)
        .max()
}

/// The length of a bar in % of the chart's width: `value / max` of [`BAR_SPACE_PCT`], at least
/// [`MIN_BAR_PCT`] for a value above zero; `None` for a hidden figure or one without a value.
pub fn bar_length(figure: &Figure, max: Option<u64>) -> Option<f64> {
    if figure.hidden {
        return None;
    }
    let value = figure.value?;
    let max = max.unwrap_or(0);
    if value == 0 || max == 0 {
        return Some(0.0);
    }
    let pct = value as f64 / max as f64 * BAR_SPACE_PCT;
    Some(pct.clamp(MIN_BAR_PCT, BAR_SPACE_PCT))
}

/// Lays out one bar per `(label, figure)`, in the order given.
pub fn layout(items: &[(String, Figure)]) -> BarChartLayout {
    let figures: Vec<&Figure> = items.iter().map(|(_, f)| f).collect();
    let max = max_shown(&figures);
    let rows = items
        .iter()
        .enumerate()
        .map(|(i, (label, figure))| {
            let top = i as f64 * ROW_EM;
            let width_pct = bar_length(figure, max);
            BarRow {
                label: label.clone(),
                text: figure.text.clone(),
                hidden: figure.hidden,
                width_pct,
                text_x_pct: width_pct.unwrap_or(0.0),
                label_y_em: top + LABEL_Y_EM,
                bar_y_em: top + BAR_Y_EM,
                value_y_em: top + VALUE_Y_EM,
            }
        })
        .collect();
    BarChartLayout {
        rows,
        height_em: items.len() as f64 * ROW_EM + BOTTOM_EM,
    }
}

/// The text a screen reader reads for the chart (its `aria-label`): the title and every row,
/// "Seksuele uitbuiting 12; Arbeidsuitbuiting <5 (verborgen)".
pub fn summary(title: &str, items: &[(String, Figure)]) -> String {
    if items.is_empty() {
        return format!("{title}: geen gegevens.");
    }
    let rows: Vec<String> = items
        .iter()
        .map(|(label, f)| {
            if f.hidden {
                format!("{label} {} (verborgen)", f.text)
            } else {
                format!("{label} {}", f.text)
            }
        })
        .collect();
    format!("{title}: {}.", rows.join("; "))
}

/// An SVG length in `em` (`"3.25em"`), rounded to keep the markup short.
pub fn em(v: f64) -> String {
    format!("{}em", round(v))
}

/// An SVG length in % (`"37.5%"`).
pub fn pct(v: f64) -> String {
    format!("{}%", round(v))
}

fn round(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(v: u64) -> Figure {
        Figure {
            text: v.to_string(),
            value: Some(v),
            hidden: false,
        }
    }

    fn hidden(text: &str) -> Figure {
        Figure {
            text: text.into(),
            value: None,
            hidden: true,
        }
    }

    #[test]
    fn bars_are_relative_to_the_largest_shown_value() {
        // (figure, largest shown, expected length)
        let cases: &[(Figure, Option<u64>, Option<f64>)] = &[
            (shown(20), Some(20), Some(BAR_SPACE_PCT)),
            (shown(10), Some(20), Some(BAR_SPACE_PCT / 2.0)),
            (shown(5), Some(20), Some(BAR_SPACE_PCT / 4.0)),
            (shown(0), Some(20), Some(0.0)),
            (shown(0), Some(0), Some(0.0)),
            // A tiny value is still a visible bar.
            (shown(1), Some(100_000), Some(MIN_BAR_PCT)),
            // Hidden figures and figures without a value get no bar.
            (hidden("<5"), Some(20), None),
            (hidden("–"), Some(20), None),
            (
                Figure {
                    text: "–".into(),
                    value: None,
                    hidden: false,
                },
                Some(20),
                None,
            ),
        ];
        for (figure, max, expected) in cases {
            assert_eq!(bar_length(figure, *max), *expected, "{figure:?} of {max:?}");
        }
    }

    #[test]
    fn a_hidden_value_never_sets_the_scale() {
        // Even if a hidden figure carried a value, it is not published and must not count.
        let leaky = Figure {
            text: "<5".into(),
            value: Some(1000),
            hidden: true,
        };
        let (a, b) = (shown(8), shown(4));
        assert_eq!(max_shown(&[&a, &leaky, &b]), Some(8));
        assert_eq!(max_shown(&[&leaky]), None);
        assert_eq!(bar_length(&leaky, Some(8)), None);
    }

    #[test]
    fn rows_are_stacked_and_numbers_follow_their_bars() {
        let items = vec![
            ("Seksuele uitbuiting".to_string(), shown(12)),
            ("Arbeidsuitbuiting".to_string(), hidden("<5")),
            ("Criminele uitbuiting".to_string(), shown(6)),
        ];
        let l = layout(&items);
        assert_eq!(l.rows.len(), 3);
        assert_eq!(l.height_em, 3.0 * ROW_EM + BOTTOM_EM);
        assert_eq!(l.rows[0].width_pct, Some(BAR_SPACE_PCT));
        assert_eq!(l.rows[0].text_x_pct, BAR_SPACE_PCT);
        assert_eq!(l.rows[1].width_pct, None);
        assert_eq!(l.rows[1].text_x_pct, 0.0);
        assert_eq!(l.rows[1].text, "<5");
        assert!(l.rows[1].hidden);
        assert_eq!(l.rows[2].width_pct, Some(BAR_SPACE_PCT / 2.0));
        for (i, r) in l.rows.iter().enumerate() {
            let top = i as f64 * ROW_EM;
            assert!(r.label_y_em > top && r.label_y_em < r.bar_y_em);
            assert!(r.value_y_em > r.bar_y_em && r.value_y_em < r.bar_y_em + BAR_H_EM + 0.1);
            assert!(r.bar_y_em + BAR_H_EM <= top + ROW_EM);
        }
        assert_eq!(layout(&[]).rows, vec![]);
    }

    #[test]
    fn the_summary_reads_every_row_and_says_what_is_hidden() {
        let items = vec![
            ("Seksuele uitbuiting".to_string(), shown(12)),
            ("Arbeidsuitbuiting".to_string(), hidden("<5")),
        ];
        assert_eq!(
            summary("Vorm van uitbuiting, 3e kwartaal 2026", &items),
            "Vorm van uitbuiting, 3e kwartaal 2026: Seksuele uitbuiting 12; Arbeidsuitbuiting <5 (verborgen)."
        );
        assert_eq!(summary("Sector", &[]), "Sector: geen gegevens.");
    }

    #[test]
    fn lengths_are_written_short() {
        assert_eq!(em(3.25), "3.25em");
        assert_eq!(em(1.0 / 3.0), "0.333em");
        assert_eq!(pct(37.5), "37.5%");
        assert_eq!(pct(0.0), "0%");
    }
}
