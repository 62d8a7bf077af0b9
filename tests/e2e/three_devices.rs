//! Scenario "three devices" (issue "Zicht 3"): inspector, attention officer and regional table,
//! each in its own real app window and data dir, against one local endpoint: the inspector
//! sends a signal → the officer receives it, makes a case and forwards it with a legal basis →
//! the table decides → the officer sees the decision (then the audit chain, retention settings
//! and editing the meldroute). Screenshots `m1`–`m10` and `zoom-200-{binnengekomen,casus,
//! tafel-besluit,auditlog}`.

use crate::driver::{
    axe, click, endpoint_key, free_port, report, screenshot, select, start_endpoint, type_in,
    wait_count, wait_css, wait_text, zoom_200, Ctx, Res,
};
use crate::steps::{
    assert_no_canary, enrol_ui, import_directory_ui, open_incoming, read_keys, setup_ui,
    sign_directory, sync_until_sent, unlock_ui, Keys, CANARY,
};
use std::time::Duration;
use zicht_model::{Directory, Participant, ParticipantRole};

/// Every app session of this scenario is bounded by this.
const LIMIT: Duration = Duration::from_secs(300);

/// One device: its data dir, its app sessions so far (`<name>-<n>`), and its keys.
struct Device {
    name: &'static str,
    data: tempfile::TempDir,
    runs: Vec<String>,
    keys: Keys,
}

impl Device {
    fn new(name: &'static str) -> Res<Device> {
        Ok(Device {
            name,
            data: tempfile::tempdir()?,
            runs: Vec::new(),
            keys: Keys::default(),
        })
    }

    /// The label of this device's next app session (its log is `app-<label>.log`).
    fn next_run(&mut self) -> String {
        let run = format!("{}-{}", self.name, self.runs.len() + 1);
        self.runs.push(run.clone());
        run
    }

    fn participant(
        &self,
        id: &str,
        role: ParticipantRole,
        municipality: &str,
        name: &str,
    ) -> Participant {
        Participant {
            id: id.into(),
            municipality: municipality.into(),
            role,
            display_name: name.into(),
            signing_key: self.keys.signing_key.clone(),
            encryption_key: self.keys.encryption_key.clone(),
            revoked: false,
        }
    }
}

/// Waits until every outbox row says "Verzonden" (the last sync delivered everything).
async fn all_sent(c: &fantoccini::Client) -> Res {
    for _ in 0..120 {
        let rows = c
            .find_all(fantoccini::Locator::Css("tr.outbox-row"))
            .await?;
        let mut sent = 0;
        for r in &rows {
            if r.text().await?.contains("Verzonden") {
                sent += 1;
            }
        }
        if !rows.is_empty() && sent == rows.len() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err("not everything was sent".into())
}

pub async fn run(ctx: Ctx) -> Res {
    let edir = tempfile::tempdir()?;
    let port = free_port();
    let (endpoint, regio) = start_endpoint(edir.path(), port).await?;
    let key = endpoint_key(&regio);
    let key = key.as_str();
    let token = || regio.create_token(Duration::from_secs(3600));
    let mut insp = Device::new("inspecteur")?;
    let mut officer = Device::new("aandachtsfunctionaris")?;
    let mut table = Device::new("tafel")?;
    let observation = format!("Acht arbeidsmigranten in een chalet voor vier. {CANARY}");
    let observation = observation.as_str();

    // First runs: set up, record (inspector), enrol, read the keys for the coordinator.
    let t = token()?;
    let run = insp.next_run();
    insp.keys = ctx
        .session(insp.data.path(), &run, LIMIT, |c| async move {
            setup_ui(&c, "Inspecteur Zutphen", "toezichthouder", "Zutphen").await?;
            click(&c, "#nav-nieuw").await?;
            click(&c, "#signal-form-arbeid").await?;
            select(&c, "#signal-sector", "vakantiepark").await?;
            click(&c, "#ind-arb-werk-01").await?;
            select(&c, "#signal-source", "integrale_controle").await?;
            type_in(&c, "#signal-location", "Recreatiepark De Hoeve").await?;
            type_in(&c, "#signal-observation", observation).await?;
            click(&c, "#signal-save").await?;
            wait_text(&c, "#save-status", "Opgeslagen").await?;
            enrol_ui(&c, port, key, &t).await?;
            read_keys(&c).await
        })
        .await?;
    let t = token()?;
    let run = officer.next_run();
    officer.keys = ctx
        .session(officer.data.path(), &run, LIMIT, |c| async move {
            setup_ui(&c, "Officier Zutphen", "aandachtsfunctionaris", "Zutphen").await?;
            enrol_ui(&c, port, key, &t).await?;
            read_keys(&c).await
        })
        .await?;
    let t = token()?;
    let run = table.next_run();
    table.keys = ctx
        .session(table.data.path(), &run, LIMIT, |c| async move {
            setup_ui(
                &c,
                "Coördinator regionale tafel",
                "regionale_tafel",
                "Deventer",
            )
            .await?;
            enrol_ui(&c, port, key, &t).await?;
            read_keys(&c).await
        })
        .await?;

    // The coordinator signs the directory of the three.
    let dir = Directory {
        region: "IJsselland".into(),
        version: 1,
        issued: "2026-11-22".into(),
        participants: vec![
            insp.participant(
                "insp-zutphen",
                ParticipantRole::Toezichthouder,
                "Zutphen",
                "Inspecteur Zutphen",
            ),
            officer.participant(
                "af-zutphen",
                ParticipantRole::Aandachtsfunctionaris,
                "Zutphen",
                "Officier Zutphen",
            ),
            table.participant(
                "tafel",
                ParticipantRole::RegionaleTafel,
                "Regio IJsselland",
                "Regionale tafel",
            ),
        ],
    };
    std::fs::create_dir_all(&ctx.downloads)?;
    let dir_file = ctx.downloads.join("deelnemers-ijsselland.json");
    std::fs::write(&dir_file, sign_directory(&dir)?)?;
    let dir_file = dir_file.as_path();

    // Inspector: send the signal to the attention officer.
    let run = insp.next_run();
    ctx.session(insp.data.path(), &run, LIMIT, |c| async move {
        unlock_ui(&c).await?;
        import_directory_ui(&c, dir_file).await?;
        click(&c, "#nav-signalen").await?;
        click(&c, "tr.signal-row button").await?;
        click(&c, "#send-to-af-zutphen").await?;
        click(&c, "#send-submit").await?;
        wait_css(&c, "#send-status").await?;
        screenshot(&c, "m1-inspecteur-verstuurt").await?;
        sync_until_sent(&c).await?;
        screenshot(&c, "m2-inspecteur-verzonden").await?;
        report("three devices: inspector's signal delivered to the endpoint");
        Ok(())
    })
    .await?;

    // Officer: receive, accept, make a case, forward to the table with a legal basis.
    let run = officer.next_run();
    ctx.session(officer.data.path(), &run, LIMIT, |c| async move {
        open_incoming(&c, dir_file, None).await?;
        wait_text(&c, "#incoming-detail", "Acht arbeidsmigranten").await?;
        wait_text(&c, "#incoming-detail", "Inspecteur Zutphen").await?;
        axe(&c, "binnengekomen").await?;
        screenshot(&c, "m3-binnengekomen").await?;
        zoom_200(&c, "binnengekomen").await?;
        click(&c, "#incoming-accept").await?;
        wait_text(&c, "#incoming-status", "Opgenomen").await?;

        click(&c, "#nav-casussen").await?;
        click(&c, "#case-new").await?;
        type_in(&c, "#case-title", "Recreatiepark De Hoeve").await?;
        click(&c, "input.case-signal").await?;
        axe(&c, "nieuwe casus").await?;
        click(&c, "#case-create").await?;
        wait_text(&c, "#case-status", "Open").await?;
        type_in(
            &c,
            "#case-note-text",
            "Verhuurder verhuurt ook chalets in Lochem.",
        )
        .await?;
        click(&c, "#case-note-add").await?;
        wait_text(&c, "#case-status", "In behandeling").await?;
        select(&c, "#case-weging-level", "versterkt").await?;
        type_in(
            &c,
            "#case-weging-motivation",
            "Signaal van toezicht en eigen informatie",
        )
        .await?;
        click(&c, "#case-weging-save").await?;
        wait_text(&c, "main", "Versterkt").await?;
        wait_css(&c, "li.case-advice").await?;
        // One click records the advised step to the attention officer (inside the municipality).
        click(&c, "li.case-advice button.case-advice-take").await?;
        wait_text(&c, "li.case-advice", "Gezet op").await?;
        wait_text(&c, "#case-timeline", "Contact met").await?;
        axe(&c, "casus").await?;
        screenshot(&c, "m4-casus").await?;
        zoom_200(&c, "casus").await?;

        click(&c, "#forward-open").await?;
        wait_css(&c, "input.forward-field").await?;
        // Without a legal basis the app refuses and says why.
        click(&c, "#forward-submit").await?;
        wait_text(&c, "main", "grondslag nodig").await?;
        axe(&c, "doorsturen zonder grondslag").await?;
        screenshot(&c, "m5-geen-grondslag").await?;
        select(&c, "#forward-basis-kind", "convenant").await?;
        type_in(
            &c,
            "#forward-basis-explanation",
            "Casus valt onder het privacyconvenant van de regionale tafel.",
        )
        .await?;
        type_in(
            &c,
            "#forward-reason",
            "Vermoeden van arbeidsuitbuiting; afstemming zorg en strafrecht.",
        )
        .await?;
        click(&c, "#forward-submit").await?;
        wait_text(&c, "#forward-status", "Verstuurd").await?;
        wait_text(&c, "#case-status", "Doorgeleid").await?;
        screenshot(&c, "m6-doorgestuurd").await?;
        sync_until_sent(&c).await?;
        report("three devices: officer accepted the signal, made a case and forwarded it with a legal basis");
        Ok(())
    })
    .await?;

    // Regional table: open the case, decide, send the decision back.
    let run = table.next_run();
    ctx.session(table.data.path(), &run, LIMIT, |c| async move {
        open_incoming(&c, dir_file, Some("Recreatiepark De Hoeve")).await?;
        wait_text(&c, "#incoming-basis", "convenant").await?;
        wait_text(&c, "#incoming-detail", "Acht arbeidsmigranten").await?;
        select(&c, "#decision-track", "zorg_en_strafrecht").await?;
        type_in(
            &c,
            "#decision-explanation",
            "Zorgtraject via de zorgcoördinator; de politie onderzoekt de verhuurder.",
        )
        .await?;
        axe(&c, "regionale tafel besluit").await?;
        screenshot(&c, "m7-tafel-besluit").await?;
        zoom_200(&c, "tafel-besluit").await?;
        click(&c, "#decision-submit").await?;
        wait_text(&c, "#decision-status", "Besluit verstuurd").await?;
        sync_until_sent(&c).await?;
        report("three devices: the table decided and sent the decision back");
        Ok(())
    })
    .await?;

    // Officer: the case has the decision.
    let run = officer.next_run();
    ctx.session(officer.data.path(), &run, LIMIT, |c| async move {
        unlock_ui(&c).await?;
        click(&c, "#nav-uitwisseling").await?;
        click(&c, "#sync-now").await?;
        wait_count(&c, "tr.inbox-row", 2).await?;
        click(&c, "#nav-casussen").await?;
        wait_text(&c, "tr.case-row", "Besluit ontvangen").await?;
        click(&c, "tr.case-row button.case-open").await?;
        wait_text(&c, "#case-status", "Besluit ontvangen").await?;
        wait_text(&c, "#case-decision", "Zorg- en strafrechtelijk traject").await?;
        axe(&c, "casus met besluit").await?;
        screenshot(&c, "m8-besluit-ontvangen").await?;
        click(&c, "#nav-audit").await?;
        click(&c, "#audit-verify").await?;
        wait_text(&c, "#audit-verify-result", "intact").await?;
        axe(&c, "auditlog").await?;
        screenshot(&c, "m9-auditlog").await?;
        zoom_200(&c, "auditlog").await?;
        click(&c, "#nav-instellingen").await?;
        wait_css(&c, "#settings-retention-signaal").await?;
        axe(&c, "instellingen bewaartermijnen").await?;
        click(&c, "#nav-meldroute").await?;
        click(&c, "#route-edit").await?;
        wait_css(&c, "#route-save").await?;
        axe(&c, "meldroute bewerken").await?;
        screenshot(&c, "m10-meldroute-bewerken").await?;
        let hours = wait_css(&c, "input.route-contact-hours").await?;
        hours.clear().await?;
        hours.send_keys("Dag en nacht bereikbaar").await?;
        click(&c, "#route-save").await?;
        wait_text(&c, "#route-status", "Opgeslagen als versie 2").await?;
        report(
            "three devices: officer sees 'Besluit ontvangen' with the decision; audit chain intact",
        );
        // Aard en omvang: the officer shares the municipality's figures with the region.
        click(&c, "#nav-monitor").await?;
        click(&c, "#monitor-share").await?;
        wait_text(&c, "#monitor-share-status", "staan klaar").await?;
        click(&c, "#nav-uitwisseling").await?;
        click(&c, "#sync-now").await?;
        all_sent(&c).await?;
        report("three devices: officer shared the figures with the regional table");
        Ok(())
    })
    .await?;

    // Regional table: the region's figures, from the counts the officer shared.
    let run = table.next_run();
    ctx.session(table.data.path(), &run, LIMIT, |c| async move {
        unlock_ui(&c).await?;
        let mut shown = false;
        for _ in 0..20 {
            click(&c, "#nav-uitwisseling").await?;
            click(&c, "#sync-now").await?;
            tokio::time::sleep(Duration::from_millis(500)).await;
            click(&c, "#nav-monitor").await?;
            wait_css(&c, "#monitor-sources-heading").await?;
            tokio::time::sleep(Duration::from_millis(300)).await;
            if !c
                .find_all(fantoccini::Locator::Css("#monitor-sources li"))
                .await?
                .is_empty()
            {
                shown = true;
                break;
            }
        }
        assert!(
            shown,
            "the table lists the municipality that shared its figures"
        );
        wait_text(&c, "#monitor-sources", "Zutphen").await?;
        // One signal and one case: small numbers, shown as <5 after adding up the region.
        wait_text(&c, "#key-figure-signaal .key-figure-value", "<5").await?;
        wait_text(&c, "#key-figure-casus .key-figure-value", "<5").await?;
        axe(&c, "aard en omvang regio").await?;
        screenshot(&c, "m11-regio-cijfers").await?;
        report("three devices: the table sees Zutphen's figures in the regional monitor");
        Ok(())
    })
    .await?;
    drop(regio);
    endpoint.stop().await?;

    // Nothing personal in plaintext: not in any store, not in any app's log output.
    for d in [&insp, &officer, &table] {
        assert_no_canary(d.data.path(), &d.runs)?;
    }
    Ok(())
}
