//! Steps in the app that more than one scenario needs, so that each scenario sets up the state
//! it starts from by itself (a set-up device with a recorded signal, a signed directory, an
//! enrolled endpoint…).

use crate::driver::{app_log, click, scan_for, select, type_in, wait_css, wait_text, Res};
use fantoccini::Client;
use std::path::{Path, PathBuf};
use zicht_model::{DeviceIdentity, Directory, Participant, ParticipantRole, Role, SetupInput};

pub const PASS: &str = "lange zin als wachtwoord";
/// A unique string in every text field: it must never reach the disk or the logs in plaintext.
pub const CANARY: &str = "E2EKANARIE91";

/// First-run setup through the UI; waits for the app's navigation.
pub async fn setup_ui(c: &Client, name: &str, role: &str, municipality: &str) -> Res {
    wait_css(c, "#setup-name").await?;
    type_in(c, "#setup-name", name).await?;
    select(c, "#setup-role", role).await?;
    select(c, "#setup-municipality", municipality).await?;
    type_in(c, "#setup-passphrase", PASS).await?;
    type_in(c, "#setup-passphrase-repeat", PASS).await?;
    click(c, "#setup-submit").await?;
    wait_css(c, "#nav-uitwisseling").await?;
    Ok(())
}

pub async fn unlock_ui(c: &Client) -> Res {
    type_in(c, "#unlock-passphrase", PASS).await?;
    click(c, "#unlock-submit").await?;
    wait_css(c, "#nav-uitwisseling").await?;
    Ok(())
}

/// The inspector of the single-device scenarios: "Inspecteur <canary>", Zutphen.
pub async fn setup_inspector(c: &Client) -> Res {
    setup_ui(
        c,
        &format!("Inspecteur {CANARY}"),
        "toezichthouder",
        "Zutphen",
    )
    .await
}

/// Fills in the signal of the single-device scenarios on "Nieuw signaal" (already open):
/// labour exploitation at a holiday park, indicators arb-werk-01 and sec-vak-01, the canary in
/// the location and the observation. Not saved yet.
pub async fn fill_chalet_signal(c: &Client) -> Res {
    click(c, "#signal-form-arbeid").await?;
    select(c, "#signal-sector", "vakantiepark").await?;
    click(c, "#ind-arb-werk-01").await?;
    click(c, "#ind-sec-vak-01").await?;
    select(c, "#signal-source", "integrale_controle").await?;
    type_in(c, "#signal-location", &format!("Chalet 7 {CANARY}")).await?;
    type_in(
        c,
        "#signal-observation",
        &format!("Zes mensen in een chalet voor twee. {CANARY}"),
    )
    .await?;
    Ok(())
}

pub async fn save_signal(c: &Client) -> Res {
    click(c, "#signal-save").await?;
    wait_text(c, "#save-status", "Opgeslagen").await?;
    Ok(())
}

/// A fresh app: set up as the inspector, with the chalet signal recorded.
pub async fn inspector_with_signal(c: &Client) -> Res {
    setup_inspector(c).await?;
    click(c, "#nav-nieuw").await?;
    fill_chalet_signal(c).await?;
    save_signal(c).await
}

/// Opens the (only) signal's detail from Signalen.
pub async fn open_signal(c: &Client) -> Res {
    click(c, "#nav-signalen").await?;
    click(c, "tr.signal-row button").await?;
    wait_css(c, "#signal-detail").await?;
    Ok(())
}

/// A device's public keys, as shown under Uitwisseling.
#[derive(Clone, Default)]
pub struct Keys {
    pub signing_key: String,
    pub encryption_key: String,
}

/// Reads the device's public keys from Uitwisseling.
pub async fn read_keys(c: &Client) -> Res<Keys> {
    click(c, "#nav-uitwisseling").await?;
    Ok(Keys {
        signing_key: wait_css(c, "#device-signing-key").await?.text().await?,
        encryption_key: wait_css(c, "#device-encryption-key").await?.text().await?,
    })
}

/// Configures the endpoint and enrols with a one-time token, through the UI.
pub async fn enrol_ui(c: &Client, port: u16, key: &str, token: &str) -> Res {
    click(c, "#nav-uitwisseling").await?;
    click(c, "#endpoint-setup").await?;
    type_in(c, "#endpoint-url", &format!("http://127.0.0.1:{port}")).await?;
    type_in(c, "#endpoint-key", key).await?;
    type_in(c, "#enrol-token", token).await?;
    click(c, "#endpoint-save").await?;
    wait_text(c, "#endpoint-message", "aangemeld").await?;
    Ok(())
}

/// The fingerprint of the root that signed a directory file, as the coordinator reads it out.
pub fn root_fingerprint_of(file: &Path) -> Res<String> {
    let signed: zicht_model::SignedDirectory =
        serde_json::from_str(&std::fs::read_to_string(file)?)?;
    let (_, root) = zicht_core::directory::verify(&signed, None)?;
    Ok(zicht_core::directory::root_fingerprint(&root))
}

/// Imports a signed directory from a file under Uitwisseling, typing its root's fingerprint as
/// the coordinator would read it out.
pub async fn import_directory_ui(c: &Client, file: &Path) -> Res {
    click(c, "#nav-uitwisseling").await?;
    wait_css(c, "#directory-file")
        .await?
        .send_keys(&file.display().to_string())
        .await?;
    type_in(c, "#directory-confirm-digits", &root_fingerprint_of(file)?).await?;
    click(c, "#directory-confirm-yes").await?;
    wait_text(c, "#directory-import-result", "ingelezen").await?;
    Ok(())
}

/// From the open signal detail: sends it to the attention officer `af-zutphen`, and waits
/// until it waits in the outbox.
pub async fn send_to_officer(c: &Client) -> Res {
    click(c, "#send-to-af-zutphen").await?;
    click(c, "#send-submit").await?;
    wait_text(c, "#send-status", "Klaargezet voor").await?;
    wait_text(c, "#send-outbox", "Wacht op verbinding").await?;
    Ok(())
}

/// Syncs now and waits until the outbox row (the newest) shows "Verzonden".
pub async fn sync_until_sent(c: &Client) -> Res {
    click(c, "#nav-uitwisseling").await?;
    click(c, "#sync-now").await?;
    wait_text(c, "tr.outbox-row", "Verzonden").await?;
    Ok(())
}

/// Unlocks, imports the directory, syncs, and opens the one bundle under Binnengekomen.
pub async fn open_incoming(c: &Client, dir_file: &Path, row_text: Option<&str>) -> Res {
    unlock_ui(c).await?;
    import_directory_ui(c, dir_file).await?;
    click(c, "#sync-now").await?;
    click(c, "#nav-binnengekomen").await?;
    crate::driver::wait_count(c, "tr.incoming-row", 1).await?;
    if let Some(text) = row_text {
        wait_text(c, "tr.incoming-row", text).await?;
    }
    click(c, "tr.incoming-row button.incoming-open").await?;
    Ok(())
}

// ---- the other side, in this process --------------------------------------------------------

pub const OFFICER_PASS: &str = "nog een lange zin als wachtwoord";

/// An attention officer's store in `dir` (a second store in this process, no window).
pub fn officer_store(
    dir: &Path,
    now: chrono::DateTime<chrono::FixedOffset>,
) -> Res<zicht_core::Zicht> {
    let mut officer = zicht_core::Zicht::open(dir)?;
    officer.setup(
        SetupInput {
            name: "Officier".into(),
            role: Role::Aandachtsfunctionaris,
            municipality: "Zutphen".into(),
            passphrase: OFFICER_PASS.into(),
            passphrase_repeat: OFFICER_PASS.into(),
        },
        now,
    )?;
    Ok(officer)
}

/// The directory of the single-device scenarios: this device as `insp-zutphen` and the
/// officer as `af-zutphen`.
pub fn exchange_directory(insp: &Keys, officer: &DeviceIdentity) -> Directory {
    Directory {
        region: "IJsselstreek".into(),
        version: 1,
        issued: "2026-11-22".into(),
        participants: vec![
            Participant {
                id: "insp-zutphen".into(),
                municipality: "Zutphen".into(),
                role: ParticipantRole::Toezichthouder,
                display_name: "Inspecteur Zutphen".into(),
                signing_key: insp.signing_key.clone(),
                encryption_key: insp.encryption_key.clone(),
                revoked: false,
            },
            Participant {
                id: "af-zutphen".into(),
                municipality: "Zutphen".into(),
                role: ParticipantRole::Aandachtsfunctionaris,
                display_name: "Officier".into(),
                signing_key: officer.signing_key.clone(),
                encryption_key: officer.encryption_key.clone(),
                revoked: false,
            },
        ],
    }
}

/// Signs `dir` with a fresh root key (the coordinator's) and returns the JSON to import.
pub fn sign_directory(dir: &Directory) -> Res<String> {
    let (_, root) = zicht_bundle::SenderKey::generate()?;
    Ok(serde_json::to_string(&zicht_core::directory::sign(
        &root, dir,
    )?)?)
}

// ---- nothing personal in plaintext ----------------------------------------------------------

/// The canary is nowhere under `data` (the store) nor in the logs of the app sessions `runs`,
/// and each of those logs really captured the app's output.
pub fn assert_no_canary(data: &Path, runs: &[String]) -> Res {
    let hits = scan_for(data, CANARY.as_bytes());
    assert!(
        hits.is_empty(),
        "canary in plaintext on disk under {}: {hits:?}",
        data.display()
    );
    for run in runs {
        let log: PathBuf = app_log(run);
        let text = std::fs::read_to_string(&log)?;
        assert!(
            text.contains("unlocked") || text.contains("store set up"),
            "app log captured in {}",
            log.display()
        );
        assert!(
            !text.contains(CANARY),
            "canary in app log {}",
            log.display()
        );
    }
    Ok(())
}
