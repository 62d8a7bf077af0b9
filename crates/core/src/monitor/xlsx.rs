//! The monitor as an Excel workbook (`rust_xlsxwriter`, written in memory): a sheet with the
//! key figures and one sheet per breakdown, each with its notes and the suppression footnote.
//! Shown figures are numbers; hidden ones are the text the screen shows (`<5`, `–`).

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use zicht_model::{MonitorReport, MonitorTable};

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, unique in the book.
fn sheet_name(title: &str, taken: &mut Vec<String>) -> String {
    let clean: String = title
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '-' } else { c })
        .collect();
    let mut name: String = clean.chars().take(31).collect();
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
        let suffix = format!(" {n}");
        name = clean.chars().take(31 - suffix.len()).collect::<String>() + &suffix;
        n += 1;
    }
    taken.push(name.clone());
    name
}

/// Writes one table from `row`; returns the next free row.
fn write_table(
    ws: &mut Worksheet,
    t: &MonitorTable,
    mut row: u32,
    bold: &Format,
) -> Result<u32, XlsxError> {
    ws.write_string_with_format(row, 0, &t.title, bold)?;
    for (c, col) in t.columns.iter().enumerate() {
        ws.write_string_with_format(row, c as u16 + 1, col, bold)?;
    }
    row += 1;
    let cell = |ws: &mut Worksheet, r: u32, c: u16, f: &zicht_model::Figure| match f.value {
        Some(v) => ws.write_number(r, c, v as f64).map(|_| ()),
        None => ws.write_string(r, c, &f.text).map(|_| ()),
    };
    for r in &t.rows {
        ws.write_string(row, 0, &r.label)?;
        for (c, f) in r.cells.iter().enumerate() {
            cell(ws, row, c as u16 + 1, f)?;
        }
        row += 1;
    }
    if !t.totals.is_empty() {
        ws.write_string_with_format(row, 0, "Totaal", bold)?;
        for (c, f) in t.totals.iter().enumerate() {
            cell(ws, row, c as u16 + 1, f)?;
        }
        row += 1;
    }
    if t.multi_valued {
        ws.write_string(row, 0, "Een registratie kan onder meer dan één categorie vallen; het totaal telt registraties.")?;
        row += 1;
    }
    for n in &t.notes {
        ws.write_string(row, 0, n)?;
        row += 1;
    }
    Ok(row)
}

/// The workbook's bytes.
pub fn to_xlsx(r: &MonitorReport) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(14);
    let mut taken = Vec::new();

    let ws = wb.add_worksheet();
    ws.set_name(sheet_name("Kerncijfers", &mut taken))?;
    ws.set_column_width(0, 48)?;
    ws.write_string_with_format(
        0,
        0,
        format!(
            "Aard en omvang mensenhandel, {}, {}",
            r.municipality, r.period_title
        ),
        &title,
    )?;
    ws.write_string(1, 0, &r.summary)?;
    let mut row = 3;
    ws.write_string_with_format(row, 0, "Kerncijfer", &bold)?;
    for (c, h) in ["Deze periode", "Periode ervoor", "Jaar eerder", "Verschil"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(row, c as u16 + 1, *h, &bold)?;
    }
    row += 1;
    for k in &r.key_figures {
        ws.write_string(row, 0, k.kind.label())?;
        for (c, f) in [&k.current, &k.previous, &k.year_earlier]
            .iter()
            .enumerate()
        {
            match f.value {
                Some(v) => ws.write_number(row, c as u16 + 1, v as f64)?,
                None => ws.write_string(row, c as u16 + 1, &f.text)?,
            };
        }
        if let Some(ch) = &k.change {
            ws.write_string(row, 4, ch)?;
        }
        row += 1;
    }
    row += 1;
    ws.write_string_with_format(row, 0, "Doorlooptijden (dagen)", &bold)?;
    for (c, h) in ["Aantal", "Mediaan", "Kortste", "Langste"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(row, c as u16 + 1, *h, &bold)?;
    }
    row += 1;
    for d in &r.durations {
        ws.write_string(row, 0, &d.label)?;
        ws.write_string(row, 1, &d.records.text)?;
        for (c, v) in [d.median_days, d.min_days, d.max_days].iter().enumerate() {
            match v {
                Some(v) => ws.write_number(row, c as u16 + 2, *v as f64)?,
                None => ws.write_string(row, c as u16 + 2, "–")?,
            };
        }
        row += 1;
    }
    row += 1;
    ws.write_string(row, 0, &r.footnote)?;
    ws.write_string(
        row + 1,
        0,
        format!(
            "Gemaakt met Zicht op {}.",
            r.made_at.format("%d-%m-%Y %H:%M")
        ),
    )?;

    for t in r.tables.iter().chain([&r.trend]) {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&t.title, &mut taken))?;
        ws.set_column_width(0, 48)?;
        let row = write_table(ws, t, 0, &bold)?;
        ws.write_string(row + 1, 0, &r.footnote)?;
    }
    wb.save_to_buffer()
}
