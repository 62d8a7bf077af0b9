//! What a user waits for and what the app holds in memory (docs/benchmarks.md, "App start and
//! memory"). Run through `cargo xtask measure`, which builds the release app with the UI
//! embedded and runs this under Xvfb with tauri-driver on the PATH:
//!
//! ```sh
//! cargo run -p zicht --example measure -- --app target/release/zicht [--runs 5]
//!     [--signals 100000] [--signal-runs 3] [--out target/measure]
//! ```
//!
//! 1. Makes two stores under `--out`: one set up and locked, one with `--signals` signals.
//! 2. `--runs` times: starts the app on the first store through tauri-driver (WebDriver) and
//!    measures from the app process's start (`/proc/<pid>/stat`) to `#unlock-passphrase` being
//!    in the page (polled every 10 ms), then, after 2 s, the resident memory (VmRSS, and PSS
//!    from smaps_rollup) of the app and the WebKit processes it started.
//! 3. `--signal-runs` times: the app on the big store: memory at the unlock screen, after
//!    unlocking (start view), and with the Signalen list showing every signal.
//!
//! Prints medians with min–max. Needs an X display (`DISPLAY`).

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use zicht_model::*;

type Res<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// A strong sentence (the passphrase strength check must accept it).
const PASS: &str = "zeven scheve fietsen leunen tegen de oude molen van Zutphen";

struct Args {
    app: PathBuf,
    runs: usize,
    signals: usize,
    signal_runs: usize,
    out: PathBuf,
}

fn args() -> Args {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut a = Args {
        app: root.join("target/release/zicht"),
        runs: 5,
        signals: 100_000,
        signal_runs: 3,
        out: root.join("target/measure"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let v = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--app" => a.app = v.into(),
            "--runs" => a.runs = v.parse().expect("--runs N"),
            "--signals" => a.signals = v.parse().expect("--signals N"),
            "--signal-runs" => a.signal_runs = v.parse().expect("--signal-runs N"),
            "--out" => a.out = v.into(),
            _ => panic!("unknown argument {flag}"),
        }
    }
    a
}

#[tokio::main]
async fn main() -> Res {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let a = args();
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no X display: run through `cargo xtask measure` (Xvfb)"
    );
    let app = std::fs::canonicalize(&a.app)
        .map_err(|e| format!("{}: {e} (build it: cargo xtask measure)", a.app.display()))?;
    std::fs::create_dir_all(&a.out)?;
    let small = a.out.join("store-setup");
    let big = a.out.join(format!("store-{}", a.signals));
    make_store(&small, 0)?;
    if a.signal_runs > 0 {
        make_store(&big, a.signals)?;
    }

    let mut starts = Vec::new();
    let mut mem_unlock: Vec<Mem> = Vec::new();
    for run in 0..a.runs {
        let (ms, mem) = session(&app, &small, |c, pid| async move {
            let ms = wait_field(&c, pid).await?;
            tokio::time::sleep(Duration::from_secs(2)).await;
            Ok((ms, memory(pid)))
        })
        .await?;
        println!(
            "run {}: start to unlock screen {ms:.0} ms; {}",
            run + 1,
            show(&mem)
        );
        starts.push(ms);
        mem_unlock.push(mem);
    }

    let mut mem_big: [Vec<Mem>; 3] = Default::default();
    let mut list_ms = Vec::new();
    for run in 0..a.signal_runs {
        let n = a.signals;
        let (mems, ms) = session(&app, &big, |c, pid| async move {
            wait_field(&c, pid).await?;
            tokio::time::sleep(Duration::from_secs(2)).await;
            let locked = memory(pid);
            c.find(Locator::Css("#unlock-passphrase"))
                .await?
                .send_keys(PASS)
                .await?;
            c.find(Locator::Css("#unlock-submit"))
                .await?
                .click()
                .await?;
            wait_css(&c, "#nav-signalen", 120).await?;
            tokio::time::sleep(Duration::from_secs(3)).await;
            let unlocked = memory(pid);
            let t = Instant::now();
            c.find(Locator::Css("#nav-signalen")).await?.click().await?;
            let deadline = Instant::now() + Duration::from_secs(600);
            let (mut last, mut since) = (0, Instant::now());
            loop {
                let rows = c
                    .execute(
                        "return document.querySelectorAll('tr.signal-row').length",
                        vec![],
                    )
                    .await?
                    .as_u64()
                    .unwrap_or(0) as usize;
                if rows == n {
                    break;
                }
                if rows != last {
                    (last, since) = (rows, Instant::now());
                } else if rows > 0 && since.elapsed() > Duration::from_secs(10) {
                    eprintln!("measure: the list settled at {rows} rows, not {n}");
                    break;
                }
                if Instant::now() > deadline {
                    return Err(format!("the list never showed {n} rows ({rows})").into());
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            tokio::time::sleep(Duration::from_secs(3)).await;
            Ok(([locked, unlocked, memory(pid)], ms))
        })
        .await?;
        println!(
            "signals run {}: list of {n} shown {ms:.0} ms after the click\n  locked:   {}\n  unlocked: {}\n  list:     {}",
            run + 1,
            show(&mems[0]),
            show(&mems[1]),
            show(&mems[2])
        );
        for (all, m) in mem_big.iter_mut().zip(mems) {
            all.push(m);
        }
        list_ms.push(ms);
    }

    println!("\n== summary (median, min–max) ==");
    println!(
        "start to unlock screen ({} runs): {}",
        a.runs,
        stat(&starts, "ms")
    );
    summary("memory at the unlock screen (empty store)", &mem_unlock);
    if a.signal_runs > 0 {
        let n = a.signals;
        summary(
            &format!("memory at the unlock screen ({n} signals)"),
            &mem_big[0],
        );
        summary(
            &format!("memory unlocked, start view ({n} signals)"),
            &mem_big[1],
        );
        summary(
            &format!("memory with the Signalen list of {n}"),
            &mem_big[2],
        );
        println!(
            "Signalen click to {n} rows ({} runs): {}",
            a.signal_runs,
            stat(&list_ms, "ms")
        );
    }
    Ok(())
}

// ---- stores -------------------------------------------------------------------------------

/// A set-up store with `n` generated signals (about 1 KiB of observation each), made afresh.
fn make_store(dir: &Path, n: usize) -> Res {
    let _ = std::fs::remove_dir_all(dir);
    let t = Instant::now();
    let now = chrono::Local::now().fixed_offset();
    let mut z = zicht_core::Zicht::open(dir)?;
    z.setup(
        SetupInput {
            name: "Meting".into(),
            role: Role::Toezichthouder,
            municipality: "Zutphen".into(),
            passphrase: PASS.into(),
            passphrase_repeat: PASS.into(),
        },
        now,
    )?;
    let mut rng = 0x5EED_1234_ABCD_0001u64;
    let mut done = 0;
    while done < n {
        let batch: Vec<SignalInput> = (0..10_000.min(n - done))
            .map(|_| signal(&mut rng))
            .collect();
        done += z.record_signals_batch(batch, now)?;
    }
    z.close()?;
    eprintln!(
        "measure: store with {n} signals in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

fn signal(rng: &mut u64) -> SignalInput {
    let mut next = |n: usize| {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        (*rng % n as u64) as usize
    };
    const WORDS: &[&str] = &[
        "chalet",
        "bus",
        "ochtend",
        "werkgever",
        "loon",
        "contant",
        "kamer",
        "matras",
        "tolk",
        "angstig",
        "vermoeid",
        "sleutel",
        "huur",
        "schuld",
        "telefoon",
        "ploeg",
        "nacht",
    ];
    let mut obs = String::with_capacity(1100);
    while obs.len() < 1000 {
        obs.push_str(WORDS[next(WORDS.len())]);
        obs.push(' ');
    }
    let sectors = [
        Sector::Vakantiepark,
        Sector::Kamerverhuur,
        Sector::Uitzendbureau,
        Sector::Horeca,
        Sector::Agrarisch,
        Sector::Bouw,
    ];
    let forms = [Form::Arbeid, Form::Seksueel, Form::Crimineel];
    // Within the last year: older signals would be purged at unlock (retention).
    let day = chrono::Local::now().date_naive() - chrono::Duration::days(1 + next(300) as i64);
    SignalInput {
        kind: RecordKind::Signaal,
        observed_at: Some(day.and_hms_opt(9, 0, 0).unwrap()),
        source: Some(Source::IntegraleControle),
        sector: Some(sectors[next(sectors.len())]),
        location: Location {
            description: format!("Adres {}", next(5000)),
            lat: None,
            lon: None,
        },
        forms: vec![forms[next(forms.len())]],
        indicators: vec!["arb-werk-01".into(), "sec-vak-01".into()],
        observation: obs,
        persons: vec![],
        urgency: Urgency::Normaal,
        control_id: None,
    }
}

// ---- app sessions -------------------------------------------------------------------------

/// Starts tauri-driver and the app on `data`, runs `body` with the client and the app's pid,
/// then closes the window and stops whatever is left (the next session reopens the store).
async fn session<T, F, Fut>(app: &Path, data: &Path, body: F) -> Res<T>
where
    F: FnOnce(Client, u32) -> Fut,
    Fut: std::future::Future<Output = Res<T>>,
{
    let port = free_port();
    let native = free_port();
    let log = std::fs::File::create(data.with_extension("log"))?;
    let mut driver = Command::new("tauri-driver")
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .env("ZICHT_DATA_DIR", data)
        .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
        .stdout(Stdio::from(log.try_clone()?))
        .stderr(Stdio::from(log))
        .spawn()
        .map_err(|e| format!("tauri-driver ({e}): run through `cargo xtask measure`"))?;
    let caps = json!({ "browserName": "wry", "tauri:options": { "application": app } });
    let caps = caps.as_object().unwrap().clone();
    let url = format!("http://127.0.0.1:{port}");
    let mut client = None;
    for _ in 0..100 {
        match ClientBuilder::rustls()?
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    let r = match client {
        None => Err("no WebDriver session".into()),
        Some(c) => {
            let r = match app_pid(app, data) {
                Some(pid) => tokio::time::timeout(Duration::from_secs(900), body(c.clone(), pid))
                    .await
                    .unwrap_or_else(|_| Err("session timed out".into())),
                None => Err("app process not found".into()),
            };
            let _ = tokio::time::timeout(Duration::from_secs(20), c.close()).await;
            r
        }
    };
    stop(&mut driver, app, data, native);
    r
}

fn stop(driver: &mut Child, app: &Path, data: &Path, native: u16) {
    let _ = Command::new("kill")
        .args(["-TERM", &driver.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline && !matches!(driver.try_wait(), Ok(Some(_))) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = driver.kill();
    let _ = driver.wait();
    let port = format!("--port={native}");
    for signal in ["-TERM", "-KILL"] {
        let left: Vec<u32> = pids()
            .filter(|pid| {
                Some(*pid) == app_pid(app, data) || cmdline(*pid).iter().any(|a| a == &port)
            })
            .collect();
        if left.is_empty() {
            break;
        }
        for pid in left {
            let _ = Command::new("kill")
                .args([signal, &pid.to_string()])
                .status();
        }
        std::thread::sleep(Duration::from_secs(2));
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_css(c: &Client, css: &str, secs: u64) -> Res {
    c.wait()
        .at_most(Duration::from_secs(secs))
        .for_element(Locator::Css(css))
        .await
        .map_err(|e| format!("waiting for {css}: {e}"))?;
    Ok(())
}

/// Polls for the unlock field every 10 ms; returns the milliseconds since the app process
/// started (its start time in /proc, against /proc/uptime; both in 10 ms steps).
async fn wait_field(c: &Client, pid: u32) -> Res<f64> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if c.find(Locator::Css("#unlock-passphrase")).await.is_ok() {
            let up = uptime();
            return Ok((up - started(pid).ok_or("app gone")?) * 1000.0);
        }
        if Instant::now() > deadline {
            return Err("no unlock screen within 60 s".into());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

// ---- /proc --------------------------------------------------------------------------------

fn pids() -> impl Iterator<Item = u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
}

fn cmdline(pid: u32) -> Vec<String> {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| {
            b.split(|c| *c == 0)
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The app process started on `data` (its executable and its `ZICHT_DATA_DIR`).
fn app_pid(app: &Path, data: &Path) -> Option<u32> {
    let env = format!("ZICHT_DATA_DIR={}", data.display());
    pids().find(|pid| {
        std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|e| e == app)
            && std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|b| b.split(|c| *c == 0).any(|v| v == env.as_bytes()))
    })
}

fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &s[s.rfind(')')? + 2..];
    Some(rest.split_whitespace().map(String::from).collect())
}

/// Seconds since boot at which `pid` started.
fn started(pid: u32) -> Option<f64> {
    // Field 22 of stat; `rest` starts at field 3.
    let ticks: f64 = stat_fields(pid)?.get(19)?.parse().ok()?;
    Some(ticks / clock_ticks())
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

fn uptime() -> f64 {
    std::fs::read_to_string("/proc/uptime")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

/// Process kind ("zicht", "WebKitWebProcess", …) → (RSS, PSS) in MB, summed per kind, for the
/// app and every process below it.
type Mem = BTreeMap<String, (f64, f64)>;

fn memory(app: u32) -> Mem {
    let parent = |pid: u32| -> Option<u32> { stat_fields(pid)?.get(1)?.parse().ok() };
    let mut tree = vec![app];
    let mut grew = true;
    while grew {
        grew = false;
        for pid in pids() {
            if !tree.contains(&pid) && parent(pid).is_some_and(|p| tree.contains(&p)) {
                tree.push(pid);
                grew = true;
            }
        }
    }
    let kb = |file: &str, key: &str| -> f64 {
        std::fs::read_to_string(file)
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with(key))?
                    .split_whitespace()
                    .nth(1)?
                    .parse::<f64>()
                    .ok()
            })
            .unwrap_or(0.0)
    };
    let mut mem = Mem::new();
    for pid in tree {
        let name = if pid == app {
            "zicht".into()
        } else {
            cmdline(pid)
                .first()
                .and_then(|a| Path::new(a).file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "?".into())
        };
        let rss = kb(&format!("/proc/{pid}/status"), "VmRSS:") / 1024.0;
        let pss = kb(&format!("/proc/{pid}/smaps_rollup"), "Pss:") / 1024.0;
        let e = mem.entry(name).or_default();
        e.0 += rss;
        e.1 += pss;
    }
    mem
}

fn show(m: &Mem) -> String {
    m.iter()
        .map(|(k, (rss, pss))| format!("{k} {rss:.0} MB (PSS {pss:.0})"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn median(v: &[f64]) -> (f64, f64, f64) {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let mid = if s.is_empty() {
        f64::NAN
    } else if s.len() % 2 == 1 {
        s[s.len() / 2]
    } else {
        (s[s.len() / 2 - 1] + s[s.len() / 2]) / 2.0
    };
    (
        mid,
        s.first().copied().unwrap_or(f64::NAN),
        s.last().copied().unwrap_or(f64::NAN),
    )
}

fn stat(v: &[f64], unit: &str) -> String {
    let (m, lo, hi) = median(v);
    format!("{m:.0} {unit} ({lo:.0}–{hi:.0})")
}

fn summary(what: &str, runs: &[Mem]) {
    println!("{what}:");
    let kinds: std::collections::BTreeSet<&String> = runs.iter().flat_map(|m| m.keys()).collect();
    let mut total_rss = vec![0.0; runs.len()];
    let mut total_pss = vec![0.0; runs.len()];
    for k in kinds {
        let rss: Vec<f64> = runs.iter().map(|m| m.get(k).map_or(0.0, |x| x.0)).collect();
        let pss: Vec<f64> = runs.iter().map(|m| m.get(k).map_or(0.0, |x| x.1)).collect();
        for i in 0..runs.len() {
            total_rss[i] += rss[i];
            total_pss[i] += pss[i];
        }
        println!(
            "  {k:<22} RSS {}  PSS {}",
            stat(&rss, "MB"),
            stat(&pss, "MB")
        );
    }
    println!(
        "  {:<22} RSS {}  PSS {}",
        "total",
        stat(&total_rss, "MB"),
        stat(&total_pss, "MB")
    );
}
