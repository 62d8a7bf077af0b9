//! Scenario "exchange by file" (Uitwisseling): on a set-up device with a recorded signal, the
//! device's keys go into a signed directory (with an attention officer, a second store in this
//! process), the directory is imported from a file, the signal is sent to the officer from its
//! detail, saved as a `.zicht` file, and opened by the officer; the officer's answer is
//! imported from a file (twice: the second time changes nothing). Screenshots 7–9.

use crate::driver::{axe, click, screenshot, type_in, wait_count, wait_css, wait_text, Ctx, Res};
use crate::steps::{
    assert_no_canary, exchange_directory, inspector_with_signal, officer_store, open_signal,
    sign_directory, Keys, CANARY,
};
use fantoccini::{Client, Locator};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub async fn run(ctx: Ctx) -> Res {
    let data = tempfile::tempdir()?;
    let downloads = ctx.downloads.as_path();
    ctx.session(
        data.path(),
        "exchange-1",
        Duration::from_secs(600),
        |c| async move {
            inspector_with_signal(&c).await?;
            open_signal(&c).await?;
            exchange_round_trip(&c, downloads).await
        },
    )
    .await?;
    assert_no_canary(data.path(), &["exchange-1".into()])
}

/// From the open signal detail, with no directory yet.
async fn exchange_round_trip(c: &Client, downloads: &Path) -> Res {
    wait_css(c, "#send-no-directory").await?;
    click(c, "#send-go-exchange").await?;
    let fp = wait_css(c, "#device-fingerprint").await?.text().await?;
    assert!(
        fp.split_whitespace().count() == 6
            && fp
                .split_whitespace()
                .all(|g| g.len() == 5 && g.bytes().all(|b| b.is_ascii_digit())),
        "fingerprint: {fp}"
    );
    wait_text(c, "#sync-status", "Niet ingesteld").await?;
    axe(c, "uitwisseling").await?;
    let signing_key = wait_css(c, "#device-signing-key").await?.text().await?;
    let encryption_key = wait_css(c, "#device-encryption-key").await?.text().await?;
    // The line for the coordinator (on the clipboard if allowed, and shown to copy by hand).
    click(c, "#device-copy").await?;
    wait_css(c, "#device-json").await?;
    let line = c
        .execute(
            "return document.getElementById('device-json').value",
            vec![],
        )
        .await?;
    let shown: zicht_model::DeviceIdentity = serde_json::from_str(line.as_str().unwrap_or(""))?;
    assert_eq!(
        (
            shown.signing_key.as_str(),
            shown.encryption_key.as_str(),
            shown.fingerprint.as_str()
        ),
        (signing_key.as_str(), encryption_key.as_str(), fp.trim())
    );
    wait_text(c, "#device-copy-status", "klembord").await?;

    let now = chrono::Local::now().fixed_offset();
    let officer_dir = tempfile::tempdir()?;
    let mut officer = officer_store(officer_dir.path(), now)?;
    let keys = Keys {
        signing_key,
        encryption_key,
    };
    let json = sign_directory(&exchange_directory(&keys, &officer.device_identity()?))?;
    let signed: zicht_model::SignedDirectory = serde_json::from_str(&json)?;
    let root_fp =
        zicht_core::directory::root_fingerprint(&zicht_core::directory::verify(&signed, None)?.1);
    officer.import_directory(&json, Some(&root_fp), now)?;
    std::fs::create_dir_all(downloads)?;
    let dir_file = downloads.join("deelnemers.json");
    std::fs::write(&dir_file, &json)?;
    wait_css(c, "#directory-file")
        .await?
        .send_keys(&dir_file.display().to_string())
        .await?;
    // The first directory: the user types the root fingerprint the coordinator reads out (it
    // is not shown: copying it from the screen would prove nothing). A wrong digit is refused
    // at the field and nothing is imported; the right ones import it.
    wait_css(c, "#directory-confirm-digits").await?;
    let shown = c
        .find_all(Locator::Css("#directory-root-fingerprint"))
        .await?;
    assert!(
        shown.is_empty(),
        "the fingerprint is not shown before it is typed"
    );
    axe(c, "deelnemersoverzicht bevestigen").await?;
    let mut wrong: Vec<char> = root_fp.chars().collect();
    wrong[0] = if wrong[0] == '1' { '2' } else { '1' };
    type_in(
        c,
        "#directory-confirm-digits",
        &wrong.into_iter().collect::<String>(),
    )
    .await?;
    click(c, "#directory-confirm-yes").await?;
    wait_text(c, "#directory-confirm", "komt niet overeen").await?;
    wait_css(c, "#directory-confirm-digits")
        .await?
        .clear()
        .await?;
    type_in(c, "#directory-confirm-digits", &root_fp).await?;
    click(c, "#directory-confirm-yes").await?;
    wait_text(c, "#directory-import-result", "ingelezen").await?;
    wait_text(c, "#directory-me", "Ja, als Inspecteur Zutphen").await?;
    wait_count(c, "tr.directory-row", 2).await?;
    axe(c, "uitwisseling met deelnemersoverzicht").await?;
    c.execute("document.querySelector('main h1').scrollIntoView()", vec![])
        .await?;
    screenshot(c, "7-uitwisseling-regio").await?;

    // Send the signal to the officer from its detail.
    click(c, "#nav-signalen").await?;
    click(c, "tr.signal-row button").await?;
    click(c, "#send-to-af-zutphen").await?;
    assert!(
        c.find(Locator::Css("#send-to-insp-zutphen")).await.is_err(),
        "this device is not offered as a recipient"
    );
    click(c, "#send-submit").await?;
    wait_text(c, "#send-status", "Klaargezet voor").await?;
    wait_count(c, "li.send-outbox-item", 1).await?;
    wait_text(c, "#send-outbox", "Wacht op verbinding").await?;
    axe(c, "signaal versturen").await?;
    screenshot(c, "8-signaal-versturen").await?;

    click(c, "#send-go-exchange").await?;
    let rows = wait_count(c, "tr.outbox-row", 1).await?;
    assert!(rows[0].text().await?.contains("Wacht op verbinding"));
    // No endpoint: the screen says the bundle will not go by itself, and what to do.
    wait_text(c, "#outbox-hint", "geen regionaal knooppunt ingesteld").await?;
    click(c, "tr.outbox-row button.outbox-export").await?;
    let saved = wait_text(c, "#outbox-status", "Opgeslagen als").await?;
    // The outbox keeps showing that it went out as a file (also after leaving the screen).
    wait_text(c, "tr.outbox-row", "Als bestand opgeslagen op").await?;
    let path = PathBuf::from(saved.trim().trim_start_matches("Opgeslagen als").trim());
    assert_eq!(
        path.parent(),
        Some(downloads),
        "saved in the download folder"
    );
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    assert!(
        name.starts_with("zicht-") && name.ends_with(".zicht") && name.len() == 24,
        "{name}"
    );
    let bytes = std::fs::read(&path)?;
    assert!(
        !bytes.windows(CANARY.len()).any(|w| w == CANARY.as_bytes()),
        "the exported file is encrypted"
    );
    let got = officer.import_bundle(&bytes, now)?;
    assert!(got.new && got.signals == 1 && got.sender == "Inspecteur Zutphen");
    assert!(officer.inbox()?[0].payload.signals[0]
        .observation
        .contains("Zes mensen in een chalet"));
    axe(c, "uitwisseling verzonden").await?;

    // The officer answers with a signal of its own, carried as a file.
    let input: zicht_model::SignalInput = serde_json::from_value(json!({
        "kind": "signaal", "observed_at": "2026-01-05T10:00:00", "source": "balie",
        "sector": "horeca", "location": {"description": "Hotel aan de IJssel"},
        "forms": ["arbeid"], "indicators": ["arb-werk-01"],
        "observation": "Terugkoppeling van de aandachtsfunctionaris", "urgency": "normaal"
    }))?;
    let answer = officer.record_signal(input, now)?.signal;
    let item = officer.send_signals(&[answer.id], &["insp-zutphen".into()], now)?;
    let answer_file = downloads.join("antwoord.zicht");
    std::fs::write(&answer_file, officer.outbox_bundle(&item.id)?)?;
    for expect in ["nieuw ontvangen van Officier", "was al ontvangen"] {
        wait_css(c, "#bundle-file")
            .await?
            .send_keys(&answer_file.display().to_string())
            .await?;
        wait_text(c, "#bundle-import-result", expect).await?;
    }
    wait_count(c, "tr.inbox-row", 1).await?;
    click(c, "tr.inbox-row summary").await?;
    wait_text(
        c,
        "tr.inbox-row",
        "Terugkoppeling van de aandachtsfunctionaris",
    )
    .await?;
    axe(c, "uitwisseling ontvangen").await?;
    c.execute("document.getElementById('inbox').scrollIntoView()", vec![])
        .await?;
    screenshot(c, "9-uitwisseling-ontvangen").await?;
    Ok(())
}
