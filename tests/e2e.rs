//! End-to-end test in the real app window, through WebDriver (tauri-driver + WebKitWebDriver).
//!
//! First-run setup → record a signal with two indicators → it is in the list → quit → start
//! again → a wrong passphrase is refused with the message visible → the right one unlocks →
//! the signal is still there with its indicators. On every screen axe-core is injected and
//! serious/critical violations fail the test. Screenshots go to `target/e2e/`.
//!
//! Needs an X display (run it through `cargo xtask test`, which uses Xvfb) and tauri-driver on
//! PATH. It never skips itself: without them it fails and says why.

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const APP: &str = env!("CARGO_BIN_EXE_zicht");
const PASS: &str = "lange zin als wachtwoord";
/// A unique string in every text field: it must never reach the disk or the logs in plaintext.
const CANARY: &str = "E2EKANARIE91";

type Res<T = ()> = Result<T, Box<dyn std::error::Error>>;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// tauri-driver, stopped with SIGTERM (SIGKILL would leave WebKitWebDriver on its port). On
/// drop it also makes sure the app it started is gone: a session whose close failed once left
/// the app running, holding its store, and the next run on that data dir found it in use.
struct Driver {
    child: Child,
    port: u16,
    native: u16,
    data_dir: PathBuf,
}

impl Driver {
    /// `config_home` becomes `XDG_CONFIG_HOME` (it names the download folder for exports).
    fn start(data_dir: &Path, log: &Path, config_home: &Path) -> Driver {
        let port = free_port();
        let native = free_port();
        let log = std::fs::File::create(log).unwrap();
        let child = Command::new("tauri-driver")
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .env("ZICHT_DATA_DIR", data_dir)
            .env("XDG_CONFIG_HOME", config_home)
            .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
            .env("RUST_LOG", "debug")
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("tauri-driver not found: run the tests with `cargo xtask test`");
        Driver {
            child,
            port,
            native,
            data_dir: data_dir.to_path_buf(),
        }
    }

    /// Processes this driver started that may outlive it: the app on our data dir, and
    /// WebKitWebDriver on our native port.
    fn leftovers(&self) -> Vec<u32> {
        let app = std::fs::canonicalize(APP).unwrap_or_else(|_| PathBuf::from(APP));
        let env = format!("ZICHT_DATA_DIR={}", self.data_dir.display());
        let port = format!("--port={}", self.native);
        let Ok(procs) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        procs
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| {
                let dir = PathBuf::from(format!("/proc/{pid}"));
                let is_app = std::fs::read_link(dir.join("exe")).is_ok_and(|e| e == app)
                    && std::fs::read(dir.join("environ"))
                        .is_ok_and(|b| b.split(|c| *c == 0).any(|v| v == env.as_bytes()));
                let is_driver = std::fs::read(dir.join("cmdline"))
                    .is_ok_and(|b| b.split(|c| *c == 0).any(|v| v == port.as_bytes()));
                is_app || is_driver
            })
            .collect()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        unsafe_sigterm(self.child.id());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Then the app and WebKitWebDriver: asked first, killed if they stay.
        for signal in ["-TERM", "-KILL"] {
            let left = self.leftovers();
            if left.is_empty() {
                return;
            }
            report(&format!(
                "driver clean-up: {} process(es) outlived the session, sent {signal}",
                left.len()
            ));
            for pid in &left {
                let _ = Command::new("kill")
                    .args([signal, &pid.to_string()])
                    .status();
            }
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline && !self.leftovers().is_empty() {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

fn unsafe_sigterm(pid: u32) {
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
}

async fn connect(driver: &Driver) -> Res<Client> {
    let caps = json!({ "browserName": "wry", "tauri:options": { "application": APP } });
    let caps = caps.as_object().unwrap().clone();
    let url = format!("http://127.0.0.1:{}", driver.port);
    // tauri-driver needs a moment to listen.
    let mut last = None;
    for _ in 0..50 {
        match ClientBuilder::rustls()?
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => return Ok(c),
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Err(format!("no WebDriver session: {last:?}").into())
}

async fn wait_css(c: &Client, css: &str) -> Res<fantoccini::elements::Element> {
    eprintln!("e2e: waiting for {css}");
    Ok(c.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(css))
        .await
        .map_err(|e| format!("waiting for {css}: {e}"))?)
}

async fn click(c: &Client, css: &str) -> Res {
    wait_css(c, css)
        .await?
        .click()
        .await
        .map_err(|e| format!("click {css}: {e}"))?;
    Ok(())
}

async fn type_in(c: &Client, css: &str, text: &str) -> Res {
    wait_css(c, css)
        .await?
        .send_keys(text)
        .await
        .map_err(|e| format!("type in {css}: {e}"))?;
    Ok(())
}

async fn wait_text(c: &Client, css: &str, needle: &str) -> Res<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await {
            if let Ok(t) = e.text().await {
                if t.contains(needle) {
                    return Ok(t);
                }
            }
        }
        if Instant::now() > deadline {
            return Err(format!("{css} never showed {needle:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn wait_count(c: &Client, css: &str, n: usize) -> Res<Vec<fantoccini::elements::Element>> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let found = c.find_all(Locator::Css(css)).await?;
        if found.len() == n {
            return Ok(found);
        }
        if Instant::now() > deadline {
            return Err(format!("expected {n} × {css}, found {}", found.len()).into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn screenshot(c: &Client, name: &str) -> Res {
    let dir = repo_root().join("target/e2e");
    std::fs::create_dir_all(&dir)?;
    let png = c.screenshot().await?;
    std::fs::write(dir.join(format!("{name}.png")), png)?;
    Ok(())
}

/// Injects axe-core and fails on serious or critical violations; prints the rest.
async fn axe(c: &Client, screen: &str) -> Res {
    let src = std::fs::read_to_string(repo_root().join("ui/node_modules/axe-core/axe.min.js"))
        .map_err(|e| format!("axe-core missing (npm ci in ui/): {e}"))?;
    c.execute(&format!("{src}\n;return true;"), vec![]).await?;
    let result = c
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               axe.run(document, { resultTypes: ['violations'] })
                  .then(r => done(JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))))
                  .catch(e => done(JSON.stringify([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}])));"#,
            vec![],
        )
        .await?;
    let violations: Vec<Value> = serde_json::from_str(result.as_str().unwrap_or("[]"))?;
    let (bad, other): (Vec<&Value>, Vec<&Value>) = violations
        .iter()
        .partition(|v| matches!(v["impact"].as_str(), Some("serious") | Some("critical")));
    report(&format!(
        "axe [{screen}]: {} serious/critical, {} minor/moderate",
        bad.len(),
        other.len()
    ));
    for v in &other {
        println!(
            "  minor/moderate: {} ({}) {}",
            v["id"], v["impact"], v["nodes"]
        );
    }
    if !bad.is_empty() {
        return Err(format!("axe [{screen}]: {}", serde_json::to_string_pretty(&bad)?).into());
    }
    Ok(())
}

/// WCAG 1.4.4 / 1.4.10: 200 % zoom of a 1200 px wide window is a 600 CSS px viewport; at that
/// width the page must not need horizontal scrolling. The window is resized to half its size
/// (the same CSS viewport as zooming to 200 %), checked, screenshotted and restored.
async fn zoom_200(c: &Client, screen: &str) -> Res {
    let (w, h) = c.get_window_size().await?;
    c.set_window_size((w / 2) as u32, (h / 2) as u32).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let v = c
        .execute(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
            vec![],
        )
        .await?;
    screenshot(c, &format!("zoom-200-{screen}")).await?;
    c.set_window_size(w as u32, h as u32).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (scroll, client) = (v[0].as_f64().unwrap_or(0.0), v[1].as_f64().unwrap_or(0.0));
    report(&format!(
        "200% zoom (viewport {client} CSS px) [{screen}]: content width {scroll}"
    ));
    if scroll > client + 1.0 {
        c.set_window_size((w / 2) as u32, (h / 2) as u32).await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let wide = c
            .execute(
                "const cw = document.documentElement.clientWidth; \
                 const over = e => e.getBoundingClientRect().right > cw + 1; \
                 const clipped = e => { for (let p = e.parentElement; p; p = p.parentElement) { \
                   const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; } return false; }; \
                 const bad = [...document.querySelectorAll('body *')].filter(e => over(e) && !clipped(e)); \
                 return bad.slice(0, 12).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + \
                   Math.round(e.getBoundingClientRect().width) + ' ' + getComputedStyle(e).display);",
                vec![],
            )
            .await?;
        c.set_window_size(w as u32, h as u32).await?;
        return Err(format!(
            "{screen} at 200% zoom needs horizontal scrolling ({scroll} > {client}); too wide: {wide}"
        )
        .into());
    }
    Ok(())
}

/// Prints a line and appends it to `target/e2e/report.txt` (xtask shows it after the run).
fn report(line: &str) {
    println!("{line}");
    let path = repo_root().join("target/e2e/report.txt");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        use std::io::Write;
        let _ = writeln!(f, "{line}");
    }
}

fn scan_for(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return hits;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            hits.extend(scan_for(&p, needle));
        } else if std::fs::read(&p).is_ok_and(|d| d.windows(needle.len()).any(|w| w == needle)) {
            hits.push(p);
        }
    }
    hits
}

async fn first_run_and_record(c: &Client) -> Res {
    wait_css(c, "#setup-name").await?;
    axe(c, "inrichten").await?;
    type_in(c, "#setup-name", &format!("Inspecteur {CANARY}")).await?;
    wait_css(c, "#setup-role")
        .await?
        .select_by_value("toezichthouder")
        .await?;
    wait_css(c, "#setup-municipality")
        .await?
        .select_by_value("Zutphen")
        .await?;
    type_in(c, "#setup-passphrase", PASS).await?;
    type_in(c, "#setup-passphrase-repeat", PASS).await?;
    click(c, "#setup-submit").await?;
    wait_css(c, "#nav-nieuw").await?;
    axe(c, "start").await?;

    click(c, "#nav-nieuw").await?;
    click(c, "#signal-form-arbeid").await?;
    wait_css(c, "#signal-sector")
        .await?
        .select_by_value("vakantiepark")
        .await?;
    click(c, "#ind-arb-werk-01").await?;
    click(c, "#ind-sec-vak-01").await?;
    wait_css(c, "#signal-source")
        .await?
        .select_by_value("integrale_controle")
        .await?;
    type_in(c, "#signal-location", &format!("Chalet 7 {CANARY}")).await?;
    type_in(
        c,
        "#signal-observation",
        &format!("Zes mensen in een chalet voor twee. {CANARY}"),
    )
    .await?;
    axe(c, "nieuw signaal").await?;
    screenshot(c, "1-nieuw-signaal").await?;
    click(c, "#signal-save").await?;
    wait_text(c, "#save-status", "Opgeslagen").await?;
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

async fn restart_and_check(c: &Client, started: Instant, downloads: &Path) -> Res {
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
    exchange_round_trip(c, downloads).await
}

/// Uitwisseling: the device's keys go into a signed directory (with an attention officer, a
/// second store in this process), the directory is imported from a file, the signal is sent to
/// the officer from its detail, saved as a `.zicht` file, and opened by the officer; the
/// officer's answer is imported from a file (twice: the second time changes nothing).
async fn exchange_round_trip(c: &Client, downloads: &Path) -> Res {
    use zicht_model::{Directory, Participant, ParticipantRole, Role, SetupInput};
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
    let mut officer = zicht_core::Zicht::open(officer_dir.path())?;
    let pass = "nog een lange zin als wachtwoord";
    officer.setup(
        SetupInput {
            name: "Officier".into(),
            role: Role::Aandachtsfunctionaris,
            municipality: "Zutphen".into(),
            passphrase: pass.into(),
            passphrase_repeat: pass.into(),
        },
        now,
    )?;
    let off = officer.device_identity()?;
    let (_, root) = zicht_bundle::SenderKey::generate()?;
    let dir = Directory {
        region: "IJsselstreek".into(),
        version: 1,
        issued: "2026-11-22".into(),
        participants: vec![
            Participant {
                id: "insp-zutphen".into(),
                municipality: "Zutphen".into(),
                role: ParticipantRole::Toezichthouder,
                display_name: "Inspecteur Zutphen".into(),
                signing_key,
                encryption_key,
            },
            Participant {
                id: "af-zutphen".into(),
                municipality: "Zutphen".into(),
                role: ParticipantRole::Aandachtsfunctionaris,
                display_name: "Officier".into(),
                signing_key: off.signing_key,
                encryption_key: off.encryption_key,
            },
        ],
    };
    let json = serde_json::to_string(&zicht_core::directory::sign(&root, &dir)?)?;
    let root_fp = officer.preview_directory(&json)?.root_fingerprint;
    officer.import_directory(&json, Some(&root_fp))?;
    std::fs::create_dir_all(downloads)?;
    let dir_file = downloads.join("deelnemers.json");
    std::fs::write(&dir_file, &json)?;
    wait_css(c, "#directory-file")
        .await?
        .send_keys(&dir_file.display().to_string())
        .await?;
    // The first directory: the UI shows the root fingerprint to compare, then imports.
    let shown = wait_css(c, "#directory-root-fingerprint")
        .await?
        .text()
        .await?;
    assert_eq!(
        shown.trim(),
        root_fp,
        "the fingerprint of the root that signed it"
    );
    axe(c, "deelnemersoverzicht bevestigen").await?;
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
    sync_with_endpoint(c).await
}

/// The regional endpoint, served in-process on a fixed port so it can be stopped and started.
struct TestEndpoint {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start_endpoint(dir: &Path, port: u16) -> Res<(TestEndpoint, zicht_regio::Regio)> {
    let mut tries = 0;
    let regio = loop {
        match zicht_regio::Regio::open(zicht_regio::Config::new(dir)) {
            Ok(r) => break r,
            Err(e) if tries > 100 => return Err(e.to_string().into()),
            Err(_) => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(zicht_regio::serve(listener, regio.clone(), async move {
        let _ = rx.await;
    }));
    Ok((TestEndpoint { stop, task }, regio))
}

impl TestEndpoint {
    async fn stop(self) -> Res {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(20), self.task).await???;
        Ok(())
    }
}

/// Issue "Zicht 2": configure and enrol through the UI, then send a signal while the endpoint is
/// down ("Wacht op verbinding"), start it, and see the item become "Verzonden" with a receipt.
async fn sync_with_endpoint(c: &Client) -> Res {
    let edir = tempfile::tempdir()?;
    let port = free_port();
    let (endpoint, regio) = start_endpoint(edir.path(), port).await?;
    let key: String = regio
        .endpoint_public_key()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
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

// ---- issue "Zicht 3": three devices, one endpoint -------------------------------------------

/// One device of the multi-device phase: its data dir, the log of each app run, and its keys.
struct Device {
    name: &'static str,
    data: tempfile::TempDir,
    runs: usize,
    signing_key: String,
    encryption_key: String,
}

impl Device {
    fn new(name: &'static str) -> Res<Device> {
        Ok(Device {
            name,
            data: tempfile::tempdir()?,
            runs: 0,
            signing_key: String::new(),
            encryption_key: String::new(),
        })
    }

    /// Starts the app on this device's data dir and connects.
    async fn open(&mut self, xdg: &Path) -> Res<(Driver, Client)> {
        self.runs += 1;
        let log = repo_root().join(format!("target/e2e/app-{}-{}.log", self.name, self.runs));
        let driver = Driver::start(self.data.path(), &log, xdg);
        let c = connect(&driver).await?;
        Ok((driver, c))
    }
}

/// Runs one app session, bounded in time; screenshots on failure; always closes the window.
macro_rules! session {
    ($dev:expr, $xdg:expr, |$c:ident| $body:expr) => {{
        let (driver, $c) = $dev.open($xdg).await?;
        let r: Res = match tokio::time::timeout(Duration::from_secs(300), async { $body }).await {
            Ok(r) => r,
            Err(_) => {
                Err(format!("{} run {} timed out (a step hung)", $dev.name, $dev.runs).into())
            }
        };
        if r.is_err() {
            let _ = tokio::time::timeout(
                Duration::from_secs(20),
                screenshot(&$c, &format!("failure-{}-{}", $dev.name, $dev.runs)),
            )
            .await;
        }
        let _ = tokio::time::timeout(Duration::from_secs(20), $c.close()).await;
        drop(driver);
        // The app process must be gone before the next one opens a store.
        tokio::time::sleep(Duration::from_millis(800)).await;
        r?;
    }};
}

async fn setup_ui(c: &Client, name: &str, role: &str, municipality: &str) -> Res {
    wait_css(c, "#setup-name").await?;
    type_in(c, "#setup-name", name).await?;
    wait_css(c, "#setup-role")
        .await?
        .select_by_value(role)
        .await?;
    wait_css(c, "#setup-municipality")
        .await?
        .select_by_value(municipality)
        .await?;
    type_in(c, "#setup-passphrase", PASS).await?;
    type_in(c, "#setup-passphrase-repeat", PASS).await?;
    click(c, "#setup-submit").await?;
    wait_css(c, "#nav-uitwisseling").await?;
    Ok(())
}

async fn unlock_ui(c: &Client) -> Res {
    type_in(c, "#unlock-passphrase", PASS).await?;
    click(c, "#unlock-submit").await?;
    wait_css(c, "#nav-uitwisseling").await?;
    Ok(())
}

/// Reads the device's public keys from Uitwisseling.
async fn read_keys(c: &Client, dev: &mut Device) -> Res {
    click(c, "#nav-uitwisseling").await?;
    dev.signing_key = wait_css(c, "#device-signing-key").await?.text().await?;
    dev.encryption_key = wait_css(c, "#device-encryption-key").await?.text().await?;
    Ok(())
}

/// Configures the endpoint and enrols with a one-time token, through the UI.
async fn enrol_ui(c: &Client, port: u16, key: &str, token: &str) -> Res {
    click(c, "#nav-uitwisseling").await?;
    click(c, "#endpoint-setup").await?;
    type_in(c, "#endpoint-url", &format!("http://127.0.0.1:{port}")).await?;
    type_in(c, "#endpoint-key", key).await?;
    type_in(c, "#enrol-token", token).await?;
    click(c, "#endpoint-save").await?;
    wait_text(c, "#endpoint-message", "aangemeld").await?;
    Ok(())
}

async fn import_directory_ui(c: &Client, file: &Path) -> Res {
    click(c, "#nav-uitwisseling").await?;
    wait_css(c, "#directory-file")
        .await?
        .send_keys(&file.display().to_string())
        .await?;
    click(c, "#directory-confirm-yes").await?;
    wait_text(c, "#directory-import-result", "ingelezen").await?;
    Ok(())
}

/// Syncs now and waits until the outbox row (the newest) shows "Verzonden".
async fn sync_until_sent(c: &Client) -> Res {
    click(c, "#nav-uitwisseling").await?;
    click(c, "#sync-now").await?;
    wait_text(c, "tr.outbox-row", "Verzonden").await?;
    Ok(())
}

/// Unlocks, imports the directory, syncs, and opens the one bundle under Binnengekomen.
async fn open_incoming(c: &Client, dir_file: &Path, row_text: Option<&str>) -> Res {
    unlock_ui(c).await?;
    import_directory_ui(c, dir_file).await?;
    click(c, "#sync-now").await?;
    click(c, "#nav-binnengekomen").await?;
    wait_count(c, "tr.incoming-row", 1).await?;
    if let Some(text) = row_text {
        wait_text(c, "tr.incoming-row", text).await?;
    }
    click(c, "tr.incoming-row button.incoming-open").await?;
    Ok(())
}

async fn select(c: &Client, css: &str, value: &str) -> Res {
    wait_css(c, css).await?.select_by_value(value).await?;
    Ok(())
}

/// Inspector, attention officer and regional table, each in its own real app window and data
/// dir, against one local endpoint: the inspector sends a signal → the officer receives it,
/// makes a case and forwards it with a legal basis → the table decides → the officer sees the
/// decision. Screenshots `m*-*.png` of every step.
async fn three_devices(xdg: &Path, downloads: &Path) -> Res {
    let edir = tempfile::tempdir()?;
    let port = free_port();
    let (endpoint, regio) = start_endpoint(edir.path(), port).await?;
    let key: String = regio
        .endpoint_public_key()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let token = || regio.create_token(Duration::from_secs(3600));
    let mut insp = Device::new("inspecteur")?;
    let mut officer = Device::new("aandachtsfunctionaris")?;
    let mut table = Device::new("tafel")?;
    let observation = format!("Acht arbeidsmigranten in een chalet voor vier. {CANARY}");

    // First runs: set up, record (inspector), enrol, read the keys for the coordinator.
    let t = token()?;
    session!(insp, xdg, |c| {
        setup_ui(&c, "Inspecteur Zutphen", "toezichthouder", "Zutphen").await?;
        click(&c, "#nav-nieuw").await?;
        click(&c, "#signal-form-arbeid").await?;
        select(&c, "#signal-sector", "vakantiepark").await?;
        click(&c, "#ind-arb-werk-01").await?;
        select(&c, "#signal-source", "integrale_controle").await?;
        type_in(&c, "#signal-location", "Recreatiepark De Hoeve").await?;
        type_in(&c, "#signal-observation", &observation).await?;
        click(&c, "#signal-save").await?;
        wait_text(&c, "#save-status", "Opgeslagen").await?;
        enrol_ui(&c, port, &key, &t).await?;
        read_keys(&c, &mut insp).await
    });
    let t = token()?;
    session!(officer, xdg, |c| {
        setup_ui(&c, "Officier Zutphen", "aandachtsfunctionaris", "Zutphen").await?;
        enrol_ui(&c, port, &key, &t).await?;
        read_keys(&c, &mut officer).await
    });
    let t = token()?;
    session!(table, xdg, |c| {
        setup_ui(
            &c,
            "Coördinator regionale tafel",
            "regionale_tafel",
            "Deventer",
        )
        .await?;
        enrol_ui(&c, port, &key, &t).await?;
        read_keys(&c, &mut table).await
    });

    // The coordinator signs the directory of the three.
    use zicht_model::{Directory, Participant, ParticipantRole};
    let p = |id: &str, role, municipality: &str, name: &str, d: &Device| Participant {
        id: id.into(),
        municipality: municipality.into(),
        role,
        display_name: name.into(),
        signing_key: d.signing_key.clone(),
        encryption_key: d.encryption_key.clone(),
    };
    let dir = Directory {
        region: "IJsselland".into(),
        version: 1,
        issued: "2026-11-22".into(),
        participants: vec![
            p(
                "insp-zutphen",
                ParticipantRole::Toezichthouder,
                "Zutphen",
                "Inspecteur Zutphen",
                &insp,
            ),
            p(
                "af-zutphen",
                ParticipantRole::Aandachtsfunctionaris,
                "Zutphen",
                "Officier Zutphen",
                &officer,
            ),
            p(
                "tafel",
                ParticipantRole::RegionaleTafel,
                "Regio IJsselland",
                "Regionale tafel",
                &table,
            ),
        ],
    };
    let (_, root) = zicht_bundle::SenderKey::generate()?;
    let dir_file = downloads.join("deelnemers-ijsselland.json");
    std::fs::create_dir_all(downloads)?;
    std::fs::write(
        &dir_file,
        serde_json::to_string(&zicht_core::directory::sign(&root, &dir)?)?,
    )?;

    // Inspector: send the signal to the attention officer.
    session!(insp, xdg, |c| {
        unlock_ui(&c).await?;
        import_directory_ui(&c, &dir_file).await?;
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
    });

    // Officer: receive, accept, make a case, forward to the table with a legal basis.
    session!(officer, xdg, |c| {
        open_incoming(&c, &dir_file, None).await?;
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
    });

    // Regional table: open the case, decide, send the decision back.
    session!(table, xdg, |c| {
        open_incoming(&c, &dir_file, Some("Recreatiepark De Hoeve")).await?;
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
    });

    // Officer: the case has the decision.
    session!(officer, xdg, |c| {
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
        Ok(())
    });
    drop(regio);
    endpoint.stop().await?;

    for d in [&insp, &officer, &table] {
        let hits = scan_for(d.data.path(), CANARY.as_bytes());
        assert!(
            hits.is_empty(),
            "canary in plaintext on disk of {}: {hits:?}",
            d.name
        );
        for run in 1..=d.runs {
            let log = repo_root().join(format!("target/e2e/app-{}-{run}.log", d.name));
            assert!(
                !std::fs::read_to_string(&log)?.contains(CANARY),
                "canary in {}",
                log.display()
            );
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_run_record_restart_unlock() -> Res {
    // Regression guard: two rustls crypto providers (ring via ureq, aws-lc-rs via fantoccini)
    // made `ClientBuilder::rustls()` panic; pick ring explicitly.
    let _ = rustls::crypto::ring::default_provider().install_default();
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no X display: run the end-to-end test through `cargo xtask test` (Xvfb)"
    );
    let data = tempfile::tempdir()?;
    // The app's download folder (exported bundles) and the files handed to it.
    let xdg = tempfile::tempdir()?;
    let downloads = xdg.path().join("Downloads");
    std::fs::write(
        xdg.path().join("user-dirs.dirs"),
        format!("XDG_DOWNLOAD_DIR=\"{}\"\n", downloads.display()),
    )?;
    let logs = repo_root().join("target/e2e");
    std::fs::create_dir_all(&logs)?;
    let _ = std::fs::remove_file(logs.join("report.txt"));
    let log1 = logs.join("app-run-1.log");
    let log2 = logs.join("app-run-2.log");

    {
        let driver = Driver::start(data.path(), &log1, xdg.path());
        let c = connect(&driver).await?;
        let r = match tokio::time::timeout(Duration::from_secs(600), first_run_and_record(&c)).await
        {
            Ok(r) => r,
            Err(_) => Err("first run timed out (a step hung)".into()),
        };
        // A WebDriver call on a stuck session can hang too: bound the clean-up as well.
        if r.is_err() {
            let _ = tokio::time::timeout(Duration::from_secs(20), screenshot(&c, "failure-run-1"))
                .await;
        }
        let _ = tokio::time::timeout(Duration::from_secs(20), c.close()).await;
        r?;
    }
    // The first app process must be gone before the second opens the store.
    tokio::time::sleep(Duration::from_secs(1)).await;
    {
        let driver = Driver::start(data.path(), &log2, xdg.path());
        let started = Instant::now();
        let c = connect(&driver).await?;
        // A WebDriver call can hang without a timeout of its own: bound the whole phase.
        let r = match tokio::time::timeout(
            Duration::from_secs(600),
            restart_and_check(&c, started, &downloads),
        )
        .await
        {
            Ok(r) => r,
            Err(_) => Err("second run timed out (a step hung)".into()),
        };
        // A WebDriver call on a stuck session can hang too: bound the clean-up as well.
        if r.is_err() {
            let _ = tokio::time::timeout(Duration::from_secs(20), screenshot(&c, "failure-run-2"))
                .await;
        }
        let _ = tokio::time::timeout(Duration::from_secs(20), c.close()).await;
        r?;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Issue "Zicht 3": inspector, attention officer and regional table in three windows.
    three_devices(xdg.path(), &downloads).await?;

    // Nothing personal in plaintext: not in the store, not in the app's log output.
    let hits = scan_for(data.path(), CANARY.as_bytes());
    assert!(hits.is_empty(), "canary in plaintext on disk: {hits:?}");
    for log in [&log1, &log2] {
        let text = std::fs::read_to_string(log)?;
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
