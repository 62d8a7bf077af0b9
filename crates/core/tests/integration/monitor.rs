//! The monitor *aard en omvang*: figures from the records, small-cell protection, the ledger
//! of purged records, the CSV export.

use crate::common::*;
use zicht_core::Zicht;
use zicht_model::*;

fn quarter(year: i32, q: u32) -> MonitorQuery {
    MonitorQuery {
        period: PeriodKind::Quarter,
        year,
        part: q,
        from: None,
        to: None,
        filter: MonitorFilter::default(),
    }
}

fn month(year: i32, m: u32) -> MonitorQuery {
    MonitorQuery {
        period: PeriodKind::Month,
        part: m,
        ..quarter(year, 1)
    }
}

/// Records `n` signals of `kind` with `sector` and `forms`, observed on `day` of Nov 2026.
fn record(z: &mut Zicht, n: usize, kind: RecordKind, sector: Sector, forms: &[Form], day: u32) {
    for _ in 0..n {
        let mut input = signal_input();
        input.kind = kind;
        input.sector = Some(sector);
        input.forms = forms.to_vec();
        input.observed_at = Some(local(&format!("2026-11-{day:02}T09:00")));
        z.record_signal(input, now()).unwrap();
    }
}

fn officer() -> (tempfile::TempDir, Zicht) {
    let dir = tempfile::tempdir().unwrap();
    let z = device_with_role(dir.path(), Role::Aandachtsfunctionaris, "Officier");
    (dir, z)
}

fn table<'a>(r: &'a MonitorReport, id: &str) -> &'a MonitorTable {
    r.tables
        .iter()
        .find(|t| t.id == id)
        .unwrap_or_else(|| panic!("no table {id}"))
}

/// The current-period text of `key` in table `id`.
fn cell(r: &MonitorReport, id: &str, key: &str) -> String {
    table(r, id)
        .rows
        .iter()
        .find(|row| row.key == key)
        .unwrap_or_else(|| panic!("no row {key} in {id}"))
        .cells[0]
        .text
        .clone()
}

/// A busy quarter: 14 signals (10 horeca, 4 vakantiepark), 6 adviesvragen (bouw).
fn busy() -> (tempfile::TempDir, Zicht) {
    let (dir, mut z) = officer();
    record(
        &mut z,
        10,
        RecordKind::Signaal,
        Sector::Horeca,
        &[Form::Arbeid],
        3,
    );
    record(
        &mut z,
        4,
        RecordKind::Signaal,
        Sector::Vakantiepark,
        &[Form::Arbeid, Form::Seksueel],
        10,
    );
    record(
        &mut z,
        6,
        RecordKind::Adviesvraag,
        Sector::Bouw,
        &[Form::Crimineel],
        12,
    );
    (dir, z)
}

#[test]
fn the_key_figures_and_breakdowns_count_the_records() {
    let (_d, z) = busy();
    let r = z.monitor(&quarter(2026, 4), now()).unwrap();
    assert_eq!(r.period, "2026-Q4");
    assert_eq!(r.previous, "2026-Q3");
    assert_eq!(r.year_earlier, "2025-Q4");
    let kf: Vec<(MonitorKind, Option<u64>)> = r
        .key_figures
        .iter()
        .map(|k| (k.kind, k.current.value))
        .collect();
    assert_eq!(
        kf,
        [
            (MonitorKind::Adviesvraag, Some(6)),
            (MonitorKind::Signaal, Some(14)),
            (MonitorKind::Casus, Some(0)),
        ]
    );
    // (table, row, expected text for the quarter)
    let expected: &[(&str, &str, &str)] = &[
        ("sector", "horeca", "10"),
        ("sector", "agrarisch", "0"),
        // 4 is a small cell; with the total known, another one must go too: the smallest.
        ("sector", "vakantiepark", "<5"),
        ("sector", "bouw", "–"),
        ("vorm", "arbeid", "14"),
        ("vorm", "crimineel", "6"),
        ("vorm", "seksueel", "<5"),
        ("gemeente", "Zutphen", "20"),
        ("minderjarige", "nee", "20"),
        ("minderjarige", "ja", "0"),
    ];
    for (t, row, text) in expected {
        assert_eq!(cell(&r, t, row), *text, "{t}/{row}");
    }
    // The sector column: one more hidden besides the 4, so it cannot be worked out.
    let sector = table(&r, "sector");
    let hidden = sector.rows.iter().filter(|row| row.cells[0].hidden).count();
    assert!(hidden >= 2, "{sector:?}");
    assert_eq!(sector.totals[0].text, "20");
    assert!(table(&r, "vorm").multi_valued);
    assert!(r.footnote.contains("<5"));
    assert!(
        r.summary.contains("6 adviesvragen") && r.summary.contains("14 signalen"),
        "{}",
        r.summary
    );
    // Observed on the 3rd (10), 10th (4) and 12th (6), recorded on the 22nd.
    let d = &r.durations[0];
    assert_eq!(d.label, "Van waarneming tot registratie");
    assert_eq!(d.records.text, "5 of meer");
    assert_eq!(
        (d.median_days, d.min_days, d.max_days),
        (Some(15), Some(10), Some(19))
    );
    // No cases: nothing to show.
    assert_eq!(
        (
            r.durations[1].records.text.as_str(),
            r.durations[1].median_days
        ),
        ("0", None)
    );
    // The trend: November holds everything.
    let nov = r.trend.columns.iter().position(|c| c == "2026-11").unwrap();
    let signals = r
        .trend
        .rows
        .iter()
        .find(|row| row.key == "signaal")
        .unwrap();
    assert_eq!(signals.cells[nov].text, "14");
}

/// When a key figure is hidden, the breakdowns that sum to it are withheld for that period:
/// otherwise a fully shown breakdown would give its total, and with it the hidden figure.
#[test]
fn a_hidden_key_figure_withholds_the_breakdowns_that_sum_to_it() {
    let (_d, mut z) = officer();
    record(
        &mut z,
        12,
        RecordKind::Signaal,
        Sector::Horeca,
        &[Form::Arbeid],
        3,
    );
    record(
        &mut z,
        3,
        RecordKind::Adviesvraag,
        Sector::Horeca,
        &[Form::Arbeid],
        4,
    );
    let r = z.monitor(&quarter(2026, 4), now()).unwrap();
    assert_eq!(r.key_figures[0].current.text, "<5");
    // Horeca 15 would be all there is: 15 − 12 signals = 3 adviesvragen.
    let sector = table(&r, "sector");
    assert!(
        sector.rows.iter().all(|row| row.cells[0].text == "–"),
        "{sector:?}"
    );
    assert_eq!(sector.totals[0].text, "–");
    assert!(!sector.notes.is_empty());
    // The previous quarter (nothing) is published as it is.
    assert_eq!(sector.rows[0].cells[1].text, "0");
}

#[test]
fn filters_narrow_the_records_counted() {
    let (_d, z) = busy();
    let mut q = quarter(2026, 4);
    q.filter.sector = Some(Sector::Horeca);
    let r = z.monitor(&q, now()).unwrap();
    assert_eq!(r.key_figures[1].current.value, Some(10));
    assert_eq!(r.key_figures[0].current.text, "0");
    q.filter = MonitorFilter {
        form: Some(Form::Crimineel),
        ..MonitorFilter::default()
    };
    let r = z.monitor(&q, now()).unwrap();
    assert_eq!(r.key_figures[0].current.value, Some(6));
    assert_eq!(r.key_figures[1].current.text, "0");
}

#[test]
fn a_period_that_does_not_exist_is_refused() {
    let (_d, z) = busy();
    for q in [month(2026, 13), quarter(2026, 5), month(2026, 0)] {
        let e = z.monitor(&q, now()).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Validation, "{q:?}");
    }
}

/// Issue 15: figures outlive retention. Purged records leave their counts in the ledger, so
/// the figures of their period do not change (and the ledger survives a restart).
#[test]
fn figures_outlive_retention() {
    let (dir, mut z) = busy();
    let before = z.monitor(&month(2026, 11), now()).unwrap();
    // Three years on, every signal and adviesvraag is past its term.
    let much_later = now() + chrono::Duration::days(3 * 366);
    let purged = z.purge_expired(much_later).unwrap();
    assert_eq!(purged.signals + purged.adviesvragen, 20);
    assert!(z.list_signals(&SignalFilter::default()).unwrap().is_empty());
    let after = z.monitor(&month(2026, 11), much_later).unwrap();
    let strip = |r: &MonitorReport| (r.key_figures.clone(), r.tables.clone(), r.trend.clone());
    let (kb, tb, trb) = strip(&before);
    let (ka, ta, tra) = strip(&after);
    assert_eq!(ka, kb);
    assert_eq!(trb, tra);
    for (b, a) in tb.iter().zip(&ta) {
        assert_eq!(a, b, "table {}", b.id);
    }
    assert_eq!(after.ledger_months, ["2026-11"]);
    drop(z);
    let z = reopen(dir.path());
    assert_eq!(z.monitor(&month(2026, 11), much_later).unwrap().tables, ta);
}

#[test]
fn the_csv_is_what_the_screen_shows() {
    let (dir, z) = busy();
    let q = quarter(2026, 4);
    let r = z.monitor(&q, now()).unwrap();
    let path = z
        .export_monitor(&q, MonitorFormat::Csv, dir.path(), later(60))
        .unwrap();
    assert!(path.ends_with("zicht-aard-en-omvang-2026-Q4.csv"));
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..3], b"\xef\xbb\xbf", "UTF-8 with BOM for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "dimensie;categorie;periode;aantal");
    for expected in [
        "soort;Signalen;2026-Q4;14",
        "soort;Totaal;2026-Q4;20",
        "sector;Hotel en horeca;2026-Q4;10",
        "sector;Vakantiepark;2026-Q4;<5",
        "vorm;Seksuele uitbuiting;2026-Q4;<5",
        "sector;Totaal;2026-Q3;0",
        "trend;Signalen;2026-11;14",
    ] {
        assert!(lines.contains(&expected), "missing {expected}");
    }
    // Every cell of every table is a line: the CSV parses back to the report's texts.
    let cells: usize = r
        .tables
        .iter()
        .chain([&r.trend])
        .map(|t| t.columns.len() * (t.rows.len() + 1))
        .sum();
    assert_eq!(lines.len() - 1, cells);
    for line in &lines[1..] {
        assert_eq!(line.split(';').count(), 4, "{line}");
    }
    // Audited: the kind and the period, no figures.
    let last = z.audit_log(None).unwrap().pop().unwrap();
    assert_eq!(
        (last.action, last.subject, last.detail.as_str()),
        (
            AuditAction::Export,
            AuditSubject::Monitor,
            "aard en omvang (CSV), periode 2026-Q4"
        )
    );
}

#[test]
fn the_threshold_is_a_setting_of_at_least_three() {
    let (_d, mut z) = busy();
    let mut s = z.settings().unwrap();
    s.small_cell_threshold = 2;
    assert_eq!(
        z.set_settings(s.clone(), now()).unwrap_err().code(),
        ErrorCode::Validation
    );
    s.small_cell_threshold = 7;
    z.set_settings(s, now()).unwrap();
    let r = z.monitor(&quarter(2026, 4), now()).unwrap();
    assert_eq!(r.threshold, 7);
    assert_eq!(r.key_figures[0].current.text, "<7");
    // 6 adviesvragen are now a small number: the breakdowns of the quarter are withheld.
    assert_eq!(cell(&r, "sector", "vakantiepark"), "–");
    assert_eq!(cell(&r, "vorm", "seksueel"), "–");
}

/// The Excel export holds the same figures as the report: read back with an independent
/// reader (calamine), shown figures as numbers, hidden ones as their text.
#[test]
fn the_xlsx_holds_the_report_read_back() {
    use calamine::{Data, Reader, Xlsx};
    let (dir, z) = busy();
    let q = quarter(2026, 4);
    let r = z.monitor(&q, now()).unwrap();
    let path = z
        .export_monitor(&q, MonitorFormat::Xlsx, dir.path(), later(60))
        .unwrap();
    assert!(path.ends_with("zicht-aard-en-omvang-2026-Q4.xlsx"));
    let mut book: Xlsx<_> = calamine::open_workbook(&path).unwrap();
    let names = book.sheet_names().to_vec();
    assert_eq!(names.len(), 1 + r.tables.len() + 1, "{names:?}");
    assert_eq!(names[0], "Kerncijfers");
    assert!(names.iter().all(|n| n.chars().count() <= 31));
    let key = book.worksheet_range("Kerncijfers").unwrap();
    let row = |range: &calamine::Range<Data>, label: &str| -> Vec<Data> {
        range
            .rows()
            .find(|r| r.first() == Some(&Data::String(label.into())))
            .unwrap_or_else(|| panic!("no row {label}"))
            .to_vec()
    };
    assert_eq!(row(&key, "Signalen")[1], Data::Float(14.0));
    assert_eq!(row(&key, "Adviesvragen")[1], Data::Float(6.0));
    let sector = book.worksheet_range("Sector").unwrap();
    assert_eq!(row(&sector, "Hotel en horeca")[1], Data::Float(10.0));
    assert_eq!(row(&sector, "Vakantiepark")[1], Data::String("<5".into()));
    assert_eq!(row(&sector, "Totaal")[1], Data::Float(20.0));
    let footnote = sector
        .rows()
        .flat_map(|r| r.iter())
        .any(|c| matches!(c, Data::String(s) if s == &r.footnote));
    assert!(footnote, "every sheet carries the footnote");
    let last = z.audit_log(None).unwrap().pop().unwrap();
    assert_eq!(last.detail, "aard en omvang (Excel), periode 2026-Q4");
}

/// Review finding (issue 15): the ledger was written after the deletions, so a crash between
/// them lost the purged records' counts for good. Now the ledger and the keys it counts are
/// durable first; a purge interrupted there is finished at the next unlock, counted once.
#[test]
fn a_purge_interrupted_after_the_ledger_is_finished_at_unlock_and_counted_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut z = device_with_role(dir.path(), Role::Aandachtsfunctionaris, "Officier");
    record(
        &mut z,
        10,
        RecordKind::Signaal,
        Sector::Horeca,
        &[Form::Arbeid],
        3,
    );
    record(
        &mut z,
        6,
        RecordKind::Adviesvraag,
        Sector::Bouw,
        &[Form::Crimineel],
        12,
    );
    let before = z.monitor(&month(2026, 11), now()).unwrap();
    let much_later = now() + chrono::Duration::days(3 * 366);
    zicht_core::testing::crash_purge_after_ledger_for_tests();
    assert!(z.purge_expired(much_later).is_err());
    drop(z);
    let mut z = open(dir.path());
    z.unlock(PASS.into(), much_later, UP).unwrap();
    assert!(
        z.list_signals(&SignalFilter::default()).unwrap().is_empty(),
        "finished at unlock"
    );
    let after = z.monitor(&month(2026, 11), much_later).unwrap();
    assert_eq!(after.key_figures, before.key_figures, "counted once");
    assert_eq!(after.tables, before.tables);
    assert!(z
        .audit_log(None)
        .unwrap()
        .iter()
        .any(|e| e.detail == "onderbroken verwijdering afgerond (16 registraties)"));
    assert_eq!(z.verify_audit().unwrap().broken_at, None);
}

/// Review finding (issue 15): a filter could give away a cell the unfiltered view hides —
/// sector "bouw" is hidden in the quarter's sector table (to protect vakantiepark's <5), and
/// the filter sector = bouw showed its 6 adviesvragen, so vakantiepark = 20 − 10 − 6 = 4.
/// Now a filtered period is withheld where the filter's category is hidden unfiltered.
#[test]
fn a_filter_does_not_reveal_a_cell_hidden_in_the_unfiltered_view() {
    let (_d, z) = busy();
    let q = quarter(2026, 4);
    let all = z.monitor(&q, now()).unwrap();
    assert_eq!(cell(&all, "sector", "bouw"), "–");
    let mut bouw = q.clone();
    bouw.filter.sector = Some(Sector::Bouw);
    let r = z.monitor(&bouw, now()).unwrap();
    assert!(
        r.key_figures.iter().all(|k| k.current.value.is_none()),
        "{:?}",
        r.key_figures
    );
    assert!(r
        .tables
        .iter()
        .all(|t| t.rows.iter().all(|row| row.cells[0].value.is_none())));
    // The previous quarter (all zeros unfiltered: nothing hidden) stays.
    assert_eq!(r.key_figures[0].previous.text, "0");
    // A shown category filters as before.
    let mut horeca = q;
    horeca.filter.sector = Some(Sector::Horeca);
    assert_eq!(
        z.monitor(&horeca, now()).unwrap().key_figures[1]
            .current
            .value,
        Some(10)
    );
}

/// Review finding (issue 15): two custom ranges a day apart gave one day's records away.
#[test]
fn a_custom_period_is_whole_months() {
    let (_d, z) = busy();
    let range = |from: &str, to: &str| MonitorQuery {
        period: PeriodKind::Range,
        from: Some(from.parse().unwrap()),
        to: Some(to.parse().unwrap()),
        ..quarter(2026, 4)
    };
    let r = z
        .monitor(&range("2026-10-01", "2026-11-30"), now())
        .unwrap();
    assert_eq!(r.key_figures[1].current.value, Some(14));
    for (from, to) in [
        ("2026-10-02", "2026-11-30"),
        ("2026-10-01", "2026-11-29"),
        ("2016-01-01", "2026-12-31"),
    ] {
        let e = z.monitor(&range(from, to), now()).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Validation, "{from}..{to}");
    }
}

#[test]
fn controls_and_the_signals_they_produced_are_counted() {
    let (_d, mut z) = busy();
    let started = local("2026-11-15T08:00");
    let control = z
        .start_control(
            ControlInput {
                kind: ControlType::BranchegerichteControle,
                started_at: Some(started),
                location: Location {
                    description: "Bedrijventerrein".into(),
                    lat: None,
                    lon: None,
                },
                partners: vec![ControlPartner::Arbeidsinspectie],
            },
            now(),
        )
        .unwrap();
    for _ in 0..6 {
        let mut input = signal_input();
        input.control_id = Some(control.id.clone());
        input.observed_at = None;
        input.source = None;
        input.location = Location::default();
        z.record_signal(input, now()).unwrap();
    }
    let r = z.monitor(&quarter(2026, 4), now()).unwrap();
    assert_eq!(r.key_figures[1].current.value, Some(20));
    assert_eq!(cell(&r, "controles", "branchegerichte_controle"), "<5");
    assert_eq!(
        cell(&r, "signalen_uit_controles", "branchegerichte_controle"),
        "6"
    );
    assert_eq!(cell(&r, "bron", "branchegerichte_controle"), "6");
}

/// Issue 15, the regional monitor: the officer shares the municipality's counts (never
/// records) with the table; the table's Aard en omvang shows the region's figures, summed
/// first and protected after, and which municipality last reported when.
#[test]
fn the_officer_shares_figures_and_the_table_sees_the_region() {
    let mut r = region();
    for (n, kind, sector) in [
        (10, RecordKind::Signaal, Sector::Horeca),
        (4, RecordKind::Signaal, Sector::Vakantiepark),
        (6, RecordKind::Adviesvraag, Sector::Bouw),
    ] {
        record(&mut r.officer, n, kind, sector, &[Form::Arbeid], 3);
    }
    // The inspector may not share figures.
    assert_eq!(
        r.inspector.share_monitor(now()).unwrap_err().code(),
        ErrorCode::Validation
    );
    let item = r.officer.share_monitor(later(60)).unwrap();
    // Only counts travel: the bundle holds no observation text.
    let bytes = r.officer.outbox_bundle(&item.id).unwrap();
    assert!(bytes.len() < 64 * 1024);
    let got = carry(&r.officer, &item, &mut r.table, later(120));
    assert_eq!(got.signals, 0);
    assert!(
        r.table.inbox().unwrap().is_empty(),
        "figures are not an inbox item"
    );
    let sources = r.table.regional_sources().unwrap();
    assert_eq!(sources.len(), 1);
    assert_eq!(sources[0].municipality, "Zutphen");
    assert_eq!(sources[0].to, "2026-11");
    let mine = r.officer.monitor(&quarter(2026, 4), now()).unwrap();
    let region_view = r.table.monitor(&quarter(2026, 4), later(180)).unwrap();
    assert_eq!(region_view.municipality, "de regio");
    assert_eq!(region_view.key_figures, mine.key_figures);
    assert_eq!(cell(&region_view, "sector", "horeca"), "10");
    assert_eq!(cell(&region_view, "sector", "vakantiepark"), "<5");
    assert_eq!(cell(&region_view, "gemeente", "Zutphen"), "20");
    // A newer share replaces the older for the same months.
    record(
        &mut r.officer,
        5,
        RecordKind::Signaal,
        Sector::Horeca,
        &[Form::Arbeid],
        4,
    );
    let item = r.officer.share_monitor(later(300)).unwrap();
    carry(&r.officer, &item, &mut r.table, later(360));
    let region_view = r.table.monitor(&quarter(2026, 4), later(400)).unwrap();
    assert_eq!(region_view.key_figures[1].current.value, Some(19));
    let last = r.table.audit_log(None).unwrap().pop().unwrap();
    assert_eq!(
        (last.action, last.subject),
        (AuditAction::Receive, AuditSubject::Monitor)
    );
    // The region's view takes no filter (a municipality's own figures are its own to show).
    let mut filtered = quarter(2026, 4);
    filtered.filter.municipality = Some("Zutphen".into());
    assert_eq!(
        r.table.monitor(&filtered, later(400)).unwrap_err().code(),
        ErrorCode::Validation
    );
}

/// A share that claims another municipality than its sender's, or carries anything but
/// counts, is refused (audited) and changes nothing.
#[test]
fn figures_for_another_municipality_or_with_records_are_refused() {
    let mut r = region();
    record(
        &mut r.officer,
        3,
        RecordKind::Signaal,
        Sector::Horeca,
        &[Form::Arbeid],
        3,
    );
    let share = MonitorShare {
        municipality: "Deventer".into(),
        from: "2026-11".into(),
        to: "2026-11".into(),
        cells: vec![MonitorCell {
            month: "2026-11".into(),
            record: "signaal".into(),
            dim: String::new(),
            category: String::new(),
            count: 99,
        }],
    };
    let profile = r.officer.profile().unwrap();
    let payload = |monitor: MonitorShare, signals: Vec<Signal>| BundlePayload {
        version: zicht_core::PAYLOAD_VERSION,
        sent_at: now().naive_local(),
        sender: profile.clone(),
        signals,
        legal_basis: None,
        case: None,
        decision: None,
        monitor: Some(monitor),
    };
    let other = r
        .officer
        .seal_payload_for_tests(&payload(share.clone(), vec![]), &["tafel"], now())
        .unwrap();
    let bytes = r.officer.outbox_bundle(&other.id).unwrap();
    assert_eq!(
        r.table.import_bundle(&bytes, later(60)).unwrap_err().code(),
        ErrorCode::BundlePayloadInvalid
    );
    let s = r.officer.list_signals(&SignalFilter::default()).unwrap()[0]
        .id
        .clone();
    let with_record = payload(
        MonitorShare {
            municipality: "Zutphen".into(),
            ..share
        },
        vec![r.officer.signal(&s).unwrap()],
    );
    let item = r
        .officer
        .seal_payload_for_tests(&with_record, &["tafel"], now())
        .unwrap();
    let bytes = r.officer.outbox_bundle(&item.id).unwrap();
    assert_eq!(
        r.table.import_bundle(&bytes, later(60)).unwrap_err().code(),
        ErrorCode::BundlePayloadInvalid
    );
    assert!(r.table.regional_sources().unwrap().is_empty());
}

/// Review finding: a purge that stopped with an error after its ledger, then ran again in the
/// same session (the app's timer), counted the still-held records a second time.
#[test]
fn a_purge_retried_in_the_same_session_counts_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut z = device_with_role(dir.path(), Role::Aandachtsfunctionaris, "Officier");
    record(
        &mut z,
        10,
        RecordKind::Signaal,
        Sector::Horeca,
        &[Form::Arbeid],
        3,
    );
    let before = z.monitor(&month(2026, 11), now()).unwrap();
    let much_later = now() + chrono::Duration::days(3 * 366);
    zicht_core::testing::crash_purge_after_ledger_for_tests();
    assert!(z.purge_expired(much_later).is_err());
    z.purge_expired(much_later).unwrap();
    assert!(z.list_signals(&SignalFilter::default()).unwrap().is_empty());
    let after = z.monitor(&month(2026, 11), much_later).unwrap();
    assert_eq!(after.key_figures, before.key_figures, "counted once");
}
