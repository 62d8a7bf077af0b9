//! Scenario "endpoint down then up" (issue "Zicht 2"): on a set-up device with a recorded
//! signal, a directory and one bundle waiting for the attention officer, configure and enrol
//! through the UI (the waiting bundle goes out at once), then send the signal again while the
//! endpoint is down ("Wacht op verbinding", the reason in Dutch), start it, and see the item
//! become "Verzonden" with a receipt. Screenshots 10–11.

use crate::driver::{
    axe, click, endpoint_key, free_port, report, screenshot, start_endpoint, type_in, wait_count,
    wait_text, Ctx, Res,
};
use crate::steps::{
    assert_no_canary, exchange_directory, import_directory_ui, inspector_with_signal,
    officer_store, open_signal, read_keys, send_to_officer, sign_directory,
};
use fantoccini::Client;
use std::path::Path;
use std::time::{Duration, Instant};

pub async fn run(ctx: Ctx) -> Res {
    let data = tempfile::tempdir()?;
    let downloads = ctx.downloads.as_path();
    ctx.session(
        data.path(),
        "endpoint-1",
        Duration::from_secs(600),
        |c| async move {
            inspector_with_signal(&c).await?;
            directory_with_officer(&c, downloads).await?;
            // One bundle for the officer waits: there is no endpoint yet.
            open_signal(&c).await?;
            send_to_officer(&c).await?;
            sync_with_endpoint(&c).await
        },
    )
    .await?;
    assert_no_canary(data.path(), &["endpoint-1".into()])
}

/// Signs a directory with this device and an attention officer (a store in this process) and
/// imports it through the UI.
async fn directory_with_officer(c: &Client, downloads: &Path) -> Res {
    let keys = read_keys(c).await?;
    let officer_dir = tempfile::tempdir()?;
    let officer = officer_store(officer_dir.path(), chrono::Local::now().fixed_offset())?;
    let json = sign_directory(&exchange_directory(&keys, &officer.device_identity()?))?;
    std::fs::create_dir_all(downloads)?;
    let dir_file = downloads.join("deelnemers.json");
    std::fs::write(&dir_file, json)?;
    import_directory_ui(c, &dir_file).await?;
    wait_count(c, "tr.directory-row", 2).await?;
    Ok(())
}

async fn sync_with_endpoint(c: &Client) -> Res {
    let edir = tempfile::tempdir()?;
    let port = free_port();
    let (endpoint, regio) = start_endpoint(edir.path(), port).await?;
    let key = endpoint_key(&regio);
    let token = regio.create_token(Duration::from_secs(3600))?;
    drop(regio);

    click(c, "#nav-uitwisseling").await?;
    click(c, "#endpoint-setup").await?;
    type_in(c, "#endpoint-url", &format!("http://127.0.0.1:{port}")).await?;
    type_in(c, "#endpoint-key", &key).await?;
    type_in(c, "#enrol-token", &token).await?;
    click(c, "#endpoint-save").await?;
    wait_text(c, "#endpoint-message", "aangemeld").await?;
    // The bundle that waited so far goes out at once.
    wait_text(c, "#sync-status", "Verbonden").await?;
    wait_text(c, "tr.outbox-row", "Verzonden").await?;
    axe(c, "uitwisseling verbonden").await?;

    // Endpoint down; send the signal again.
    endpoint.stop().await?;
    click(c, "#nav-signalen").await?;
    click(c, "tr.signal-row button").await?;
    click(c, "#send-to-af-zutphen").await?;
    click(c, "#send-submit").await?;
    // Let the send settle (the list under it reloads) before clicking on.
    wait_text(c, "#send-status", "Klaargezet voor").await?;
    wait_text(c, "#send-outbox", "Wacht op verbinding").await?;
    click(c, "#send-go-exchange").await?;
    wait_count(c, "tr.outbox-row", 2).await?;
    wait_text(c, "tr.outbox-row", "Wacht op verbinding").await?;
    click(c, "#sync-now").await?;
    wait_text(c, "#sync-now-message", "Synchronisatie gestart").await?;
    // Why, in Dutch (it was the HTTP library's English text).
    wait_text(
        c,
        "#sync-status",
        "Geen verbinding. Het knooppunt is niet bereikt: de verbinding werd geweigerd",
    )
    .await?;
    screenshot(c, "10-wacht-op-verbinding").await?;
    report("sync: endpoint down -> 'Wacht op verbinding', status 'Geen verbinding'");

    // Endpoint back: the waiting item is delivered and shows its receipt.
    let started = Instant::now();
    let (endpoint, regio) = start_endpoint(edir.path(), port).await?;
    click(c, "#sync-now").await?;
    wait_text(c, "tr.outbox-row", "Verzonden; ontvangst bevestigd op").await?;
    wait_text(c, "#sync-status", "Verbonden").await?;
    report(&format!(
        "sync: endpoint up -> 'Verzonden' after {} ms",
        started.elapsed().as_millis()
    ));
    assert_eq!(
        regio.envelope_count(),
        2,
        "both bundles at the endpoint, once each"
    );
    axe(c, "uitwisseling verzonden via knooppunt").await?;
    screenshot(c, "11-verzonden-via-knooppunt").await?;
    drop(regio);
    endpoint.stop().await?;
    Ok(())
}
