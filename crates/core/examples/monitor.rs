//! Writes the monitor *aard en omvang* of a store for a run of periods to one CSV file. Used by
//! `cargo xtask monitor`.
//!
//! ```text
//! ZICHT_PASSPHRASE=… cargo run --release -p zicht-core --example monitor -- \
//!     --data <dir> --from <JJJJ-MM-DD> --to <JJJJ-MM-DD> --period quarter|month|year --csv <file>
//! ```
//!
//! Opens and unlocks the store in `<dir>` (as the app does: the daily retention purge runs at
//! unlock if it has not run today), splits `[from, to]` into the whole months, quarters or years
//! that overlap it, and makes the report of each with `Zicht::monitor` (no filters). The file
//! holds what `zicht_core::monitor::csv::to_csv` makes of each report — the function behind the
//! screen's export — with the byte-order mark and header only once, at the top, and of each
//! report only its own period (and its months): every period appears once.
//!
//! Errors go to stderr, in Dutch, with a non-zero exit.

use chrono::{Datelike, Local, NaiveDate};
use std::path::PathBuf;
use std::time::Duration;
use zicht_core::{CoreError, Zicht};
use zicht_model::{MonitorFilter, MonitorQuery, PeriodKind};

struct Args {
    data: PathBuf,
    from: NaiveDate,
    to: NaiveDate,
    period: PeriodKind,
    csv: PathBuf,
}

fn date(flag: &str, s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("{flag}: '{s}' is geen datum; schrijf JJJJ-MM-DD"))
}

fn parse_args() -> Result<Args, String> {
    let (mut data, mut from, mut to, mut period, mut csv) = (None, None, None, None, None);
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let v = it
            .next()
            .ok_or_else(|| format!("{a} heeft een waarde nodig"))?;
        match a.as_str() {
            "--data" => data = Some(PathBuf::from(v)),
            "--from" => from = Some(date("--from", &v)?),
            "--to" => to = Some(date("--to", &v)?),
            "--period" => {
                period = Some(match v.as_str() {
                    "month" => PeriodKind::Month,
                    "quarter" => PeriodKind::Quarter,
                    "year" => PeriodKind::Year,
                    _ => return Err(format!("--period: '{v}' is geen month, quarter of year")),
                })
            }
            "--csv" => csv = Some(PathBuf::from(v)),
            other => return Err(format!("onbekend argument '{other}'")),
        }
    }
    let args = Args {
        data: data.ok_or("geef de map van de opslag op met --data")?,
        from: from.ok_or("geef de begindatum op met --from")?,
        to: to.ok_or("geef de einddatum op met --to")?,
        period: period.ok_or("geef de periode op met --period (month, quarter of year)")?,
        csv: csv.ok_or("geef het CSV-bestand op met --csv")?,
    };
    if args.from > args.to {
        return Err("de begindatum ligt na de einddatum".into());
    }
    Ok(args)
}

/// The whole periods of `kind` that overlap `[from, to]`, as queries (no filters).
fn queries(kind: PeriodKind, from: NaiveDate, to: NaiveDate) -> Vec<MonitorQuery> {
    // Periods numbered from year 0: month index, quarter index or the year itself.
    let index = |d: NaiveDate| -> i64 {
        let (y, m) = (i64::from(d.year()), i64::from(d.month0()));
        match kind {
            PeriodKind::Month => y * 12 + m,
            PeriodKind::Quarter => y * 4 + m / 3,
            _ => y,
        }
    };
    (index(from)..=index(to))
        .map(|i| {
            let (year, part) = match kind {
                PeriodKind::Month => (i.div_euclid(12), i.rem_euclid(12) + 1),
                PeriodKind::Quarter => (i.div_euclid(4), i.rem_euclid(4) + 1),
                _ => (i, 0),
            };
            MonitorQuery {
                period: kind,
                year: year as i32,
                part: part as u32,
                from: None,
                to: None,
                filter: MonitorFilter::default(),
            }
        })
        .collect()
}

/// A core error as a Dutch line, with the field messages of a validation error.
fn dutch(e: &CoreError) -> String {
    let mut s = e.message();
    for f in e.fields() {
        s.push_str(&format!(" ({})", f.message));
    }
    s
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let passphrase = std::env::var("ZICHT_PASSPHRASE")
        .map_err(|_| "zet het wachtwoord van de opslag in ZICHT_PASSPHRASE")?;
    if !args.data.join("db").exists() {
        return Err(format!("{} bevat geen Zicht-opslag", args.data.display()));
    }
    let now = Local::now().fixed_offset();
    let mut z = Zicht::open(&args.data).map_err(|e| dutch(&e))?;
    z.unlock(passphrase, now, Duration::ZERO)
        .map_err(|e| format!("ontgrendelen mislukt: {}", dutch(&e)))?;
    let mut out = String::new();
    let periods = queries(args.period, args.from, args.to);
    for (i, q) in periods.iter().enumerate() {
        let report = z
            .monitor(q, now)
            .map_err(|e| format!("monitor mislukt: {}", dutch(&e)))?;
        // Only each report's own period: the comparison columns (the period before, a year
        // earlier) are another report's own period, protected there in its own context; two
        // different protections of one period side by side could give a hidden figure away.
        let mut own = report.clone();
        for t in &mut own.tables {
            t.columns.truncate(1);
            t.totals.truncate(1);
            for r in &mut t.rows {
                r.cells.truncate(1);
            }
        }
        let text = zicht_core::monitor::csv::to_csv(&own);
        if i == 0 {
            out.push_str(&text);
        } else {
            // Without the byte-order mark and the header line.
            let body = text.split_once("\r\n").map_or("", |(_, rest)| rest);
            out.push_str(body);
        }
    }
    z.close().map_err(|e| dutch(&e))?;
    std::fs::write(&args.csv, &out)
        .map_err(|e| format!("{} schrijven mislukt: {e}", args.csv.display()))?;
    eprintln!(
        "monitor: {} perioden, {} regels naar {}",
        periods.len(),
        out.lines().count().saturating_sub(1),
        args.csv.display()
    );
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("monitor: {e}");
        std::process::exit(1);
    }
}
