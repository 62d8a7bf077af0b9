//! Scenario "aard en omvang" (issue 15): an attention officer's store with records of several
//! kinds, forms and sectors (made in this process through the core, then closed) → the app's
//! Aard en omvang screen shows the key figures and breakdowns the core computes, with charts
//! (screenshot `monitor-1`; axe, 200 % zoom) → a sector filter whose breakdown holds a small
//! number shows `<5`
//! (screenshot `monitor-filter`) → the CSV saved to Downloads is byte for byte the core's CSV
//! of the same query, and parses as `dimensie;categorie;periode;aantal`.

use crate::driver::{
    axe, click, report, screenshot, select, type_in, wait_css, wait_text, zoom_200, Ctx, Res,
};
use crate::steps::{officer_store, OFFICER_PASS};
use fantoccini::Locator;
use std::time::Duration;
use zicht_model::*;

const LIMIT: Duration = Duration::from_secs(240);

fn input(
    kind: RecordKind,
    sector: Sector,
    forms: &[Form],
    observed: chrono::NaiveDateTime,
) -> SignalInput {
    SignalInput {
        kind,
        observed_at: Some(observed),
        source: Some(Source::IntegraleControle),
        sector: Some(sector),
        location: Location {
            description: "Bedrijventerrein".into(),
            lat: None,
            lon: None,
        },
        forms: forms.to_vec(),
        indicators: vec![],
        observation: "Waarneming voor de cijfers.".into(),
        persons: vec![],
        urgency: Urgency::Normaal,
        control_id: None,
    }
}

pub async fn run(ctx: Ctx) -> Res {
    let data = tempfile::tempdir()?;
    let now = chrono::Local::now().fixed_offset();
    let observed = now.naive_local() - chrono::Duration::minutes(5);
    let quarter = (chrono::Datelike::month(&observed) - 1) / 3 + 1;
    let q = MonitorQuery {
        period: PeriodKind::Quarter,
        year: chrono::Datelike::year(&observed),
        part: quarter,
        from: None,
        to: None,
        filter: MonitorFilter::default(),
    };
    let expected = {
        let mut z = officer_store(data.path(), now)?;
        let batches: &[(usize, RecordKind, Sector, &[Form])] = &[
            (12, RecordKind::Signaal, Sector::Horeca, &[Form::Arbeid]),
            (3, RecordKind::Signaal, Sector::Horeca, &[Form::Crimineel]),
            (7, RecordKind::Signaal, Sector::Sekswerk, &[Form::Seksueel]),
            (6, RecordKind::Adviesvraag, Sector::Bouw, &[Form::Arbeid]),
        ];
        for &(n, kind, sector, forms) in batches {
            for _ in 0..n {
                z.record_signal(input(kind, sector, forms, observed), now)?;
            }
        }
        z.monitor(&q, now)?
    };
    assert_eq!(expected.key_figures[1].current.value, Some(22));
    let period = expected.period.clone();

    let exp = expected.clone();
    ctx.session(data.path(), "monitor-1", LIMIT, |c| async move {
        type_in(&c, "#unlock-passphrase", OFFICER_PASS).await?;
        click(&c, "#unlock-submit").await?;
        wait_css(&c, "#nav-monitor").await?;
        click(&c, "#nav-monitor").await?;
        wait_css(&c, "#monitor-screen").await?;
        // The key figures are the core's.
        for k in &exp.key_figures {
            let css = format!("#key-figure-{} .key-figure-value", k.kind.wire());
            wait_text(&c, &css, &k.current.text).await?;
        }
        wait_text(&c, "#monitor-summary", "22 signalen").await?;
        // A breakdown: horeca 15, with its chart.
        let horeca = wait_css(
            &c,
            "#monitor-table-sector tr.monitor-row[data-key=\"horeca\"]",
        )
        .await?
        .text()
        .await?;
        assert!(horeca.contains("15"), "{horeca}");
        wait_css(&c, "#monitor-chart-sector").await?;
        screenshot(&c, "monitor-1").await?;
        // The key figures, and a chart with its table.
        for (id, shot) in [
            ("key-figure-signaal", "monitor-2"),
            ("monitor-chart-sector", "monitor-3"),
        ] {
            c.execute(
                &format!("document.getElementById('{id}').scrollIntoView()"),
                vec![],
            )
            .await?;
            screenshot(&c, shot).await?;
        }
        axe(&c, "aard en omvang").await?;
        zoom_200(&c, "aard en omvang").await?;

        // Only horeca: 15 signals, of which 3 criminal exploitation, shown as <5.
        select(&c, "#monitor-filter-sector", "horeca").await?;
        wait_text(&c, "#key-figure-signaal .key-figure-value", "15").await?;
        wait_text(&c, "#monitor-table-vorm", "<5").await?;
        let hidden = c
            .find_all(Locator::Css("[data-hidden=\"true\"]"))
            .await?
            .len();
        assert!(hidden > 0, "hidden cells are marked");
        wait_css(&c, "#monitor-footnote").await?;
        c.execute(
            "document.getElementById('monitor-table-vorm').scrollIntoView()",
            vec![],
        )
        .await?;
        screenshot(&c, "monitor-filter").await?;
        axe(&c, "aard en omvang met filter").await?;

        // Back to everything, and the CSV to Downloads.
        click(&c, "#monitor-filter-clear").await?;
        wait_text(&c, "#key-figure-signaal .key-figure-value", "22").await?;
        click(&c, "#monitor-export-csv").await?;
        wait_text(&c, "#monitor-export-status", ".csv").await?;
        click(&c, "#monitor-export-xlsx").await?;
        wait_text(&c, "#monitor-export-status", ".xlsx").await?;
        Ok(())
    })
    .await?;

    // The file is the core's CSV of the same query.
    let file = ctx
        .downloads
        .join(format!("zicht-aard-en-omvang-{period}.csv"));
    let saved = std::fs::read(&file)?;
    let mut z = zicht_core::Zicht::open(data.path())?;
    z.unlock(OFFICER_PASS.into(), now, Duration::ZERO)?;
    let again = z.monitor(&q, now)?;
    assert_eq!(again.tables, expected.tables, "the figures did not change");
    let ours = zicht_core::monitor::csv::to_csv(&again);
    assert_eq!(
        String::from_utf8(saved.clone())?,
        ours,
        "the saved CSV is the core's"
    );
    assert_eq!(&saved[..3], b"\xef\xbb\xbf");
    let text = String::from_utf8(saved[3..].to_vec())?;
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("dimensie;categorie;periode;aantal"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(';').collect()).collect();
    assert!(rows.iter().all(|r| r.len() == 4));
    let find = |d: &str, cat: &str| {
        rows.iter()
            .find(|r| r[0] == d && r[1] == cat && r[2] == period)
            .map(|r| r[3].to_string())
    };
    assert_eq!(find("soort", "Signalen").as_deref(), Some("22"));
    assert_eq!(find("soort", "Adviesvragen").as_deref(), Some("6"));
    assert_eq!(find("sector", "Hotel en horeca").as_deref(), Some("15"));
    assert_eq!(find("vorm", "Criminele uitbuiting").as_deref(), Some("<5"));
    // The workbook, read back with an independent reader: the same figures.
    {
        use calamine::{Data, Reader, Xlsx};
        let book_path = ctx
            .downloads
            .join(format!("zicht-aard-en-omvang-{period}.xlsx"));
        let mut book: Xlsx<_> = calamine::open_workbook(&book_path)?;
        let key = book.worksheet_range("Kerncijfers")?;
        let signals = key
            .rows()
            .find(|r| r.first() == Some(&Data::String("Signalen".into())))
            .ok_or("no Signalen row")?;
        assert_eq!(signals[1], Data::Float(22.0));
        let sector = book.worksheet_range("Sector")?;
        let horeca = sector
            .rows()
            .find(|r| r.first() == Some(&Data::String("Hotel en horeca".into())))
            .ok_or("no horeca row")?;
        assert_eq!(horeca[1], Data::Float(15.0));
    }
    // Both exports are audited, without figures.
    let log = z.audit_log(None)?;
    let exports: Vec<&str> = log
        .iter()
        .filter(|e| e.subject == AuditSubject::Monitor)
        .map(|e| e.detail.as_str())
        .collect();
    assert_eq!(
        exports,
        [
            format!("aard en omvang (CSV), periode {period}"),
            format!("aard en omvang (Excel), periode {period}")
        ]
    );
    report(&format!(
        "monitor: key figures {} / {} / {}, CSV {} rows",
        expected.key_figures[0].current.text,
        expected.key_figures[1].current.text,
        expected.key_figures[2].current.text,
        rows.len()
    ));
    Ok(())
}
