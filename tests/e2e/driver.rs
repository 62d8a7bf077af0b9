//! The WebDriver side of the end-to-end test: one scenario at a time, app sessions whose
//! clean-up always runs, waits, screenshots, axe scans, the 200 % zoom check, the report, and
//! the in-process regional endpoint.
//!
//! Clean-up lives in one place: [`Ctx::session`] (screenshot on failure, close the window,
//! stop tauri-driver, the app and WebKitWebDriver — also when the body panics or hangs), with
//! [`Driver`]'s `Drop` as the last line; [`TestEndpoint`]'s `Drop` stops the endpoint.

use fantoccini::{elements::Element, Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

pub const APP: &str = env!("CARGO_BIN_EXE_zicht");

pub type Res<T = ()> = Result<T, Box<dyn std::error::Error>>;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `target/e2e/`: screenshots, app logs and `report.txt`.
pub fn out_dir() -> PathBuf {
    repo_root().join("target/e2e")
}

/// The app's log of one session (`run` as passed to [`Ctx::session`]).
pub fn app_log(run: &str) -> PathBuf {
    out_dir().join(format!("app-{run}.log"))
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

// ---- scenarios ------------------------------------------------------------------------------

/// Scenarios run one at a time: each drives real app windows on one X display, and on two
/// cores several WebKit processes at once make every wait flaky. The test harness runs the
/// tests on parallel threads (each with its own runtime); this lock serializes them.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
/// `report.txt` is emptied by the first scenario of the process, then each appends a section.
static REPORT_RESET: std::sync::Once = std::sync::Once::new();

/// What a scenario gets: its own download folder (under its own `XDG_CONFIG_HOME`).
pub struct Ctx {
    /// `XDG_CONFIG_HOME` of every app this scenario starts (it names the download folder).
    xdg: tempfile::TempDir,
    /// The app's download folder (exported bundles) and the files handed to it.
    pub downloads: PathBuf,
}

/// Runs one scenario: waits for the ones before it, writes its section of `report.txt`
/// (`== scenario <name> ==` … `-- <name>: passed|FAILED`), and gives it a fresh [`Ctx`].
pub async fn run_scenario<F, Fut>(name: &str, body: F) -> Res
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = Res>,
{
    // Regression guard: two rustls crypto providers (ring via ureq, aws-lc-rs via fantoccini)
    // made `ClientBuilder::rustls()` panic; pick ring explicitly.
    let _ = rustls::crypto::ring::default_provider().install_default();
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no X display: run the end-to-end test through `cargo xtask test` (Xvfb)"
    );
    let _serial = SERIAL.lock().await;
    std::fs::create_dir_all(out_dir())?;
    REPORT_RESET.call_once(|| {
        let _ = std::fs::remove_file(out_dir().join("report.txt"));
    });
    report(&format!("== scenario {name} =="));
    let xdg = tempfile::tempdir()?;
    let downloads = xdg.path().join("Downloads");
    std::fs::write(
        xdg.path().join("user-dirs.dirs"),
        format!("XDG_DOWNLOAD_DIR=\"{}\"\n", downloads.display()),
    )?;
    let started = Instant::now();
    let r = CatchUnwind::new(body(Ctx { xdg, downloads })).await;
    let secs = started.elapsed().as_secs_f64();
    match &r {
        Ok(Ok(())) => report(&format!("-- {name}: passed in {secs:.1} s")),
        Ok(Err(e)) => report(&format!("-- {name}: FAILED after {secs:.1} s: {e}")),
        Err(p) => report(&format!(
            "-- {name}: FAILED after {secs:.1} s: panicked: {}",
            panic_text(p.as_ref())
        )),
    }
    match r {
        Ok(r) => r,
        Err(p) => resume_unwind(p),
    }
}

impl Ctx {
    /// One app session on `data` (the app's `ZICHT_DATA_DIR`): starts tauri-driver and the app
    /// (log in `target/e2e/app-<run>.log`), connects, and runs `body` with the WebDriver client,
    /// bounded by `limit` (a WebDriver call can hang without a timeout of its own). Whatever the
    /// body does — returns, fails, panics or hangs — a failure is screenshotted
    /// (`failure-<run>.png`), the window closed, and tauri-driver, the app and WebKitWebDriver
    /// stopped before this returns, so the next session can open the same store.
    pub async fn session<T, F, Fut>(
        &self,
        data: &Path,
        run: &str,
        limit: Duration,
        body: F,
    ) -> Res<T>
    where
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = Res<T>>,
    {
        let driver = Driver::start(data, &app_log(run), self.xdg.path())?;
        let c = connect(&driver).await?;
        let r = match tokio::time::timeout(limit, CatchUnwind::new(body(c.clone()))).await {
            Ok(r) => r,
            Err(_) => Ok(Err(format!(
                "session {run} timed out after {} s (a step hung)",
                limit.as_secs()
            )
            .into())),
        };
        // A WebDriver call on a stuck session can hang too: bound the clean-up as well. (Seen
        // here: WebKitWebDriver's screenshot of a page left idle for a few seconds never returns,
        // and every later call then waits behind it, so a failure screenshot can be missing.)
        if !matches!(r, Ok(Ok(_))) {
            let shot = format!("failure-{run}");
            match tokio::time::timeout(Duration::from_secs(20), screenshot(&c, &shot)).await {
                Ok(Ok(())) => report(&format!("session {run} failed: see {shot}.png")),
                Ok(Err(e)) => report(&format!("session {run} failed; no screenshot: {e}")),
                Err(_) => report(&format!("session {run} failed; the screenshot hung")),
            }
        }
        let _ = tokio::time::timeout(Duration::from_secs(20), c.close()).await;
        drop(driver);
        // The app process must be gone before the next one opens the store.
        tokio::time::sleep(Duration::from_millis(800)).await;
        match r {
            Ok(r) => r,
            Err(p) => resume_unwind(p),
        }
    }
}

/// A future that turns a panic while polling it into `Err`, so clean-up can run first.
struct CatchUnwind<F>(Pin<Box<F>>);

impl<F: Future> CatchUnwind<F> {
    fn new(f: F) -> Self {
        CatchUnwind(Box::pin(f))
    }
}

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

fn panic_text(p: &(dyn Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".into()
    }
}

// ---- tauri-driver ---------------------------------------------------------------------------

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
    fn start(data_dir: &Path, log: &Path, config_home: &Path) -> Res<Driver> {
        let port = free_port();
        let native = free_port();
        let log = std::fs::File::create(log)?;
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
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log))
            .spawn()
            .map_err(|e| {
                format!("tauri-driver not found ({e}): run the tests with `cargo xtask test`")
            })?;
        Ok(Driver {
            child,
            port,
            native,
            data_dir: data_dir.to_path_buf(),
        })
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
        send_signal("-TERM", self.child.id());
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
                send_signal(signal, *pid);
            }
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline && !self.leftovers().is_empty() {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

fn send_signal(signal: &str, pid: u32) {
    let _ = Command::new("kill")
        .args([signal, &pid.to_string()])
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

// ---- waits and input ------------------------------------------------------------------------

pub async fn wait_css(c: &Client, css: &str) -> Res<Element> {
    eprintln!("e2e: waiting for {css}");
    Ok(c.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(css))
        .await
        .map_err(|e| format!("waiting for {css}: {e}"))?)
}

pub async fn click(c: &Client, css: &str) -> Res {
    wait_css(c, css)
        .await?
        .click()
        .await
        .map_err(|e| format!("click {css}: {e}"))?;
    Ok(())
}

pub async fn type_in(c: &Client, css: &str, text: &str) -> Res {
    wait_css(c, css)
        .await?
        .send_keys(text)
        .await
        .map_err(|e| format!("type in {css}: {e}"))?;
    Ok(())
}

pub async fn select(c: &Client, css: &str, value: &str) -> Res {
    wait_css(c, css).await?.select_by_value(value).await?;
    Ok(())
}

pub async fn wait_text(c: &Client, css: &str, needle: &str) -> Res<String> {
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

pub async fn wait_count(c: &Client, css: &str, n: usize) -> Res<Vec<Element>> {
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

// ---- screenshots, axe, zoom, report ---------------------------------------------------------

pub async fn screenshot(c: &Client, name: &str) -> Res {
    let dir = out_dir();
    std::fs::create_dir_all(&dir)?;
    let png = c.screenshot().await?;
    std::fs::write(dir.join(format!("{name}.png")), png)?;
    Ok(())
}

/// Injects axe-core and fails on serious or critical violations; prints the rest.
pub async fn axe(c: &Client, screen: &str) -> Res {
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
pub async fn zoom_200(c: &Client, screen: &str) -> Res {
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
pub fn report(line: &str) {
    println!("{line}");
    let path = out_dir().join("report.txt");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        use std::io::Write;
        let _ = writeln!(f, "{line}");
    }
}

/// Every file under `dir` that contains `needle`.
pub fn scan_for(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
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

// ---- the regional endpoint ------------------------------------------------------------------

/// The regional endpoint, served in-process on a fixed port so it can be stopped and started.
/// [`TestEndpoint::stop`] waits for it to finish; dropping it (a scenario that failed) only
/// asks it to stop.
pub struct TestEndpoint {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

pub async fn start_endpoint(dir: &Path, port: u16) -> Res<(TestEndpoint, zicht_regio::Regio)> {
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
    Ok((
        TestEndpoint {
            stop: Some(stop),
            task: Some(task),
        },
        regio,
    ))
}

impl TestEndpoint {
    pub async fn stop(mut self) -> Res {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(20), task).await???;
        }
        Ok(())
    }
}

impl Drop for TestEndpoint {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The endpoint's public key as the UI takes it (hex).
pub fn endpoint_key(regio: &zicht_regio::Regio) -> String {
    regio
        .endpoint_public_key()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
