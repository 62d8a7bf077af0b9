//! The CSV of a monitor report, for Excel: UTF-8 with a byte-order mark, `;` as separator,
//! header `dimensie;categorie;periode;aantal`, one row per published cell and a `Totaal` row
//! per breakdown and period, hidden figures written as shown (`<5`, `–`). The screen's export
//! and `cargo xtask monitor` write exactly this.

use zicht_model::{MonitorReport, MonitorTable};

/// A field, quoted when it holds `;`, `"` or a line break. A text that Excel would take for
/// a formula (a municipality name from a received bundle starting with `=`, `+`, `-`, `@`)
/// gets a leading `'`, so it stays text.
fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn table_rows(out: &mut String, dimension: &str, t: &MonitorTable) {
    for (col, period) in t.columns.iter().enumerate() {
        for row in &t.rows {
            if let Some(cell) = row.cells.get(col) {
                out.push_str(&format!(
                    "{};{};{};{}\r\n",
                    field(dimension),
                    field(&row.label),
                    field(period),
                    field(&cell.text)
                ));
            }
        }
        if let Some(total) = t.totals.get(col) {
            out.push_str(&format!(
                "{};Totaal;{};{}\r\n",
                field(dimension),
                field(period),
                field(&total.text)
            ));
        }
    }
}

/// The report as CSV text (with the BOM).
pub fn to_csv(r: &MonitorReport) -> String {
    let mut out = String::from("\u{feff}dimensie;categorie;periode;aantal\r\n");
    for t in &r.tables {
        table_rows(&mut out, &t.id, t);
    }
    table_rows(&mut out, &r.trend.id, &r.trend);
    out
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn fields_are_quoted_and_never_formulas() {
        for (input, expected) in [
            ("Zutphen", "Zutphen"),
            ("<5", "<5"),
            ("–", "–"),
            ("a;b", "\"a;b\""),
            ("zeg \"ja\"", "\"zeg \"\"ja\"\"\""),
            ("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""),
            ("+31", "'+31"),
            ("-5", "'-5"),
            ("@SUM", "'@SUM"),
        ] {
            assert_eq!(field(input), expected, "{input}");
        }
    }
}
