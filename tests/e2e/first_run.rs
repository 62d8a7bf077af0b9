//! Scenario "first run and restart": first-run setup → record a signal with two indicators →
//! the meldroute advice → it is in the list → 200 % zoom → the other screens → quit → start
//! again → a wrong passphrase is refused with the message visible → the right one unlocks → the
//! signal is still there with its indicators. axe on every screen; screenshots 1–6 and
//! `zoom-200-{signalen,nieuw-signaal}`.

use crate::driver::{
    axe, click, report, screenshot, type_in, wait_count, wait_css, wait_text, zoom_200, Ctx, Res,
};
use crate::steps::{assert_no_canary, fill_chalet_signal, save_signal, setup_inspector, PASS};
use fantoccini::{Client, Locator};
use std::time::{Duration, Instant};

pub async fn run(ctx: Ctx) -> Res {
    let data = tempfile::tempdir()?;
    let limit = Duration::from_secs(600);
    ctx.session(data.path(), "run-1", limit, |c| async move {
        first_run_and_record(&c).await
    })
    .await?;
    // Session start to the unlock field: tauri-driver is spawned just after this instant.
    let started = Instant::now();
    ctx.session(data.path(), "run-2", limit, |c| async move {
        restart_and_check(&c, started).await
    })
    .await?;
    // Nothing personal in plaintext: not in the store, not in the app's log output.
    assert_no_canary(data.path(), &["run-1".into(), "run-2".into()])
}

async fn first_run_and_record(c: &Client) -> Res {
    wait_css(c, "#setup-name").await?;
    axe(c, "inrichten").await?;
    setup_inspector(c).await?;
    wait_css(c, "#nav-nieuw").await?;
    axe(c, "start").await?;

    click(c, "#nav-nieuw").await?;
    fill_chalet_signal(c).await?;
    axe(c, "nieuw signaal").await?;
    screenshot(c, "1-nieuw-signaal").await?;
    save_signal(c).await?;
    let steps = c.find_all(Locator::Css("#advice li.advice-step")).await?;
    assert!(!steps.is_empty(), "meldroute advice shown after save");
    let first = steps[0].text().await?;
    assert!(
        first.contains("andachtsfunctionaris"),
        "attention officer first: {first}"
    );
    axe(c, "advies na opslaan").await?;
    screenshot(c, "2-advies").await?;

    click(c, "#nav-signalen").await?;
    let rows = wait_count(c, "tr.signal-row", 1).await?;
    assert!(rows[0].text().await?.contains("Vakantiepark"));
    axe(c, "signalen").await?;
    screenshot(c, "3-signalen").await?;
    zoom_200(c, "signalen").await?;
    click(c, "#nav-nieuw").await?;
    wait_css(c, "#signal-observation").await?;
    zoom_200(c, "nieuw-signaal").await?;

    for (nav, name) in [
        ("#nav-kaarten", "signaalkaarten"),
        ("#nav-meldroute", "meldroute"),
        ("#nav-controle", "controle"),
    ] {
        click(c, nav).await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        axe(c, name).await?;
    }
    click(c, "#nav-kaarten").await?;
    type_in(c, "#cards-search", "paspoort").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    screenshot(c, "4-signaalkaarten").await?;
    Ok(())
}

async fn restart_and_check(c: &Client, started: Instant) -> Res {
    wait_css(c, "#unlock-passphrase").await?;
    report(&format!(
        "app start to unlock screen: {} ms (WebDriver session start to the field being present)",
        started.elapsed().as_millis()
    ));
    axe(c, "ontgrendelen").await?;
    type_in(c, "#unlock-passphrase", "dit is niet het wachtwoord").await?;
    click(c, "#unlock-submit").await?;
    let msg = wait_text(c, "#unlock-error", "onjuist").await?;
    println!("wrong passphrase message: {msg}");
    axe(c, "ontgrendelen met fout").await?;
    screenshot(c, "5-wachtwoord-onjuist").await?;
    let field = wait_css(c, "#unlock-passphrase").await?;
    field.clear().await?;
    field.send_keys(PASS).await?;
    click(c, "#unlock-submit").await?;
    click(c, "#nav-signalen").await?;
    let rows = wait_count(c, "tr.signal-row", 1).await?;
    let id = rows[0]
        .attr("data-id")
        .await?
        .ok_or("row without data-id")?;
    assert!(!id.is_empty());
    click(c, "tr.signal-row a, tr.signal-row button").await?;
    wait_css(c, "#signal-detail").await?;
    let inds = wait_count(c, "li.detail-indicator", 2).await?;
    let mut texts = Vec::new();
    for i in &inds {
        texts.push(i.text().await?);
    }
    assert!(
        texts.iter().any(|t| t.contains("uren")),
        "indicator text of arb-werk-01 shown: {texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("chalet") || t.contains("Chalet") || t.contains("stacaravan")),
        "{texts:?}"
    );
    wait_text(c, "#signal-detail", "Zes mensen in een chalet").await?;
    axe(c, "signaal detail").await?;
    screenshot(c, "6-signaal-na-herstart").await?;
    Ok(())
}
