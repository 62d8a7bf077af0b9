//! `cargo xtask <command>`: the two commands a newcomer needs, and their parts.
//!
//! - `run`: install what is missing, build the UI (wasm, release), run the app (release,
//!   UI embedded) with the default data directory. `run --demo`: the demo region, a local
//!   regional endpoint with an enrolment code, and the app on a demo data directory.
//! - `test`: install what is missing (also tauri-driver), build the UI, run every test of the
//!   workspace under Xvfb, including the end-to-end test in the real window.
//! - `regio [args]`: run the regional endpoint for local use: `cargo run -p zicht-regio
//!   --release -- serve [args]` (defaults: 127.0.0.1:7878, data under the user's data
//!   dir). Make an enrolment token with `cargo run -p zicht-regio -- token`.
//! - `ui [--release]`: only build the UI into `ui/dist`.
//! - `deps`: only install what is missing.
//! - `measure [args]`: build the release app, time a rebuild with nothing changed, then (under
//!   Xvfb) the app's start to the unlock screen and its memory with and without 100 000
//!   signals (src-tauri/examples/measure.rs; `args` go to it; docs/benchmarks.md).
//! - `demo-region`: generate the demo region (root key, signed participant directory) into
//!   `target/demo-region/` (see crates/core/examples/demo_region.rs).
//! - `demo-data --out DIR --signals N [--seed S] [--municipality M]`: a new store in DIR
//!   (the app's key derivation; passphrase from `ZICHT_PASSPHRASE`, else generated and printed)
//!   filled with N invented records over the last three years, the retention purge run
//!   (crates/core/examples/demo_data.rs).
//! - `monitor --data DIR --from DATE --to DATE --period quarter|month|year --csv FILE`: the
//!   monitor *aard en omvang* of the store in DIR for every period in the range, as one CSV
//!   made by the screen's export function (crates/core/examples/monitor.rs; passphrase from
//!   `ZICHT_PASSPHRASE`).
//!
//! `demo-data` and `monitor` run as release builds (key derivation and 100 000 inserts are
//! slow unoptimised) in the current directory, so relative paths are relative to it.
//!
//! Only std, so this compiles in seconds on a fresh machine.

use std::path::{Path, PathBuf};
use std::process::{exit, Command};

/// Debian packages needed to build and test the app (see docs/toolchain.md).
const DEBIAN_PACKAGES: &[&str] = &[
    "build-essential",
    "libwebkit2gtk-4.1-dev",
    "libgtk-3-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libxdo-dev",
    "libssl-dev",
    "pkg-config",
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
];

type Res = Result<(), String>;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(&args[1..]),
        Some("regio") => regio(&args[1..]),
        Some("ui") => deps(false).and_then(|_| build_ui(args.iter().any(|a| a == "--release"))),
        Some("deps") => deps(true),
        Some("measure") => measure(&args[1..]),
        Some("demo-region") => sh(Command::new(cargo())
            .current_dir(root())
            .args([
                "run",
                "--quiet",
                "-p",
                "zicht-core",
                "--example",
                "demo_region",
                "--",
            ])
            .args(&args[1..])),
        Some("demo-data") => core_example("demo_data", &args[1..]),
        Some("monitor") => core_example("monitor", &args[1..]),
        _ => {
            eprintln!("usage: cargo xtask <run|test|regio [serve args]|ui [--release]|deps|measure [args]|demo-region [--out DIR] [--device JSON]...|demo-data --out DIR --signals N [--seed S] [--municipality M]|monitor --data DIR --from YYYY-MM-DD --to YYYY-MM-DD --period quarter|month|year --csv FILE>");
            exit(2);
        }
    };
    if let Err(e) = result {
        eprintln!("xtask: {e}");
        exit(1);
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Runs an example of zicht-core, built for release, in the current directory (so that paths
/// in `args` mean what the user typed).
fn core_example(name: &str, args: &[String]) -> Res {
    sh(Command::new(cargo())
        .arg("run")
        .arg("--manifest-path")
        .arg(root().join("Cargo.toml"))
        .args([
            "--quiet",
            "--release",
            "-p",
            "zicht-core",
            "--example",
            name,
            "--",
        ])
        .args(args))
}

fn sh(cmd: &mut Command) -> Res {
    eprintln!("xtask: $ {cmd:?}");
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed ({status})"))
    }
}

fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn is_root() -> bool {
    output(Command::new("id").arg("-u")).is_some_and(|s| s.trim() == "0")
}

fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn cargo_bin(name: &str) -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"));
    let p = home.join("bin").join(name);
    if p.exists() {
        p
    } else {
        PathBuf::from(name)
    }
}

/// Installs what is missing: Debian packages (as root; otherwise prints the line), the wasm
/// target, wasm-bindgen-cli matching Cargo.lock, the npm packages of the UI, and for tests
/// tauri-driver.
fn deps(for_tests: bool) -> Res {
    let mut missing: Vec<&str> = DEBIAN_PACKAGES
        .iter()
        .copied()
        .filter(|p| {
            !output(Command::new("dpkg-query").args(["-W", "-f=${Status}", p]))
                .is_some_and(|s| s.contains("install ok installed"))
        })
        .collect();
    // Node may come from elsewhere (e.g. NodeSource, whose nodejs conflicts with Debian's npm).
    if !have("npm") {
        missing.extend(["nodejs", "npm"]);
    }
    if !missing.is_empty() {
        let line = format!(
            "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y {}",
            missing.join(" ")
        );
        if !is_root() {
            return Err(format!(
                "missing Debian packages. Run as root:\n  sudo sh -c '{line}'"
            ));
        }
        sh(Command::new("sh").args(["-c", &line]))?;
    }
    let targets =
        output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if !targets
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        sh(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    let want = locked_version("wasm-bindgen")?;
    let have_wb =
        output(Command::new(cargo_bin("wasm-bindgen")).arg("--version")).unwrap_or_default();
    if have_wb.split_whitespace().nth(1) != Some(want.as_str()) {
        // Without --locked: its own lockfile pins crates the registry snapshot may not serve.
        sh(Command::new(cargo()).args(["install", "wasm-bindgen-cli", "--version", &want]))?;
    }
    if for_tests && !cargo_bin("tauri-driver").exists() && !have("tauri-driver") {
        // Pinned: the version seen working with this toolchain (docs/toolchain.md).
        sh(Command::new(cargo()).args([
            "install",
            "tauri-driver",
            "--version",
            "2.1.0",
            "--locked",
        ]))?;
    }
    let ui = root().join("ui");
    let stamp = ui.join("node_modules/.package-lock.json");
    let lock = ui.join("package-lock.json");
    let stale = match (
        std::fs::metadata(&stamp).and_then(|m| m.modified()),
        std::fs::metadata(&lock).and_then(|m| m.modified()),
    ) {
        (Ok(s), Ok(l)) => s < l,
        _ => true,
    };
    if lock.exists() && stale {
        sh(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&ui))?;
    }
    Ok(())
}

/// The version of `name` in Cargo.lock.
fn locked_version(name: &str) -> Result<String, String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(l) = lines.next() {
        if l.trim() == format!("name = \"{name}\"") {
            if let Some(v) = lines
                .next()
                .and_then(|v| v.trim().strip_prefix("version = \""))
            {
                return Ok(v.trim_end_matches('"').to_string());
            }
        }
    }
    Err(format!("{name} not in Cargo.lock"))
}

/// Builds the Leptos UI to wasm and assembles `ui/dist` (index.html, style.css, the NL Design
/// System CSS listed in ui/vendor.txt, the wasm-bindgen output).
fn build_ui(release: bool) -> Res {
    let root = root();
    let mut cmd = Command::new(cargo());
    cmd.current_dir(&root).args([
        "build",
        "-p",
        "zicht-ui",
        "--target",
        "wasm32-unknown-unknown",
    ]);
    if release {
        cmd.arg("--release");
    }
    sh(&mut cmd)?;
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let wasm = target_dir
        .join("wasm32-unknown-unknown")
        .join(if release { "release" } else { "debug" })
        .join("zicht_ui.wasm");
    // Assembled in a staging folder, then copied into ui/dist only where a file changed: the
    // app crate embeds ui/dist, and a rewritten file (same bytes, new time) would make cargo
    // rebuild it on every `cargo xtask run`.
    let staging = target_dir.join("ui-dist");
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(staging.join("vendor")).map_err(|e| e.to_string())?;
    // No wasm-opt: Debian's binaryen 108 breaks wasm-bindgen 0.2.130 output (docs/toolchain.md).
    sh(Command::new(cargo_bin("wasm-bindgen"))
        .args([
            "--target",
            "web",
            "--no-typescript",
            "--out-name",
            "ui",
            "--out-dir",
        ])
        .arg(&staging)
        .arg(&wasm))?;
    for f in ["index.html", "style.css"] {
        copy(&root.join("ui").join(f), &staging.join(f))?;
    }
    let vendor = std::fs::read_to_string(root.join("ui/vendor.txt")).unwrap_or_default();
    for line in vendor
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("e2e:"))
    {
        let src = root.join("ui/node_modules").join(line);
        let name = src
            .file_name()
            .ok_or_else(|| format!("bad vendor line {line}"))?;
        copy(&src, &staging.join("vendor").join(name))?;
    }
    let changed = sync_dir(&staging, &root.join("ui/dist"))?;
    eprintln!("xtask: ui/dist: {changed} file(s) changed");
    Ok(())
}

/// Makes `to` hold exactly the files of `from`, writing only those whose bytes differ (so
/// unchanged files keep their modification time). Returns how many files were written or
/// removed.
fn sync_dir(from: &Path, to: &Path) -> Result<usize, String> {
    let err = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    std::fs::create_dir_all(to).map_err(|e| err(to, e))?;
    let mut changed = 0;
    let mut keep = std::collections::HashSet::new();
    for entry in std::fs::read_dir(from).map_err(|e| err(from, e))? {
        let entry = entry.map_err(|e| err(from, e))?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        keep.insert(entry.file_name());
        if src.is_dir() {
            if dst.is_file() {
                std::fs::remove_file(&dst).map_err(|e| err(&dst, e))?;
            }
            changed += sync_dir(&src, &dst)?;
        } else {
            let new = std::fs::read(&src).map_err(|e| err(&src, e))?;
            if std::fs::read(&dst).ok().as_deref() != Some(&new[..]) {
                if dst.is_dir() {
                    std::fs::remove_dir_all(&dst).map_err(|e| err(&dst, e))?;
                }
                std::fs::write(&dst, &new).map_err(|e| err(&dst, e))?;
                changed += 1;
            }
        }
    }
    for entry in std::fs::read_dir(to).map_err(|e| err(to, e))? {
        let entry = entry.map_err(|e| err(to, e))?;
        if !keep.contains(&entry.file_name()) {
            let p = entry.path();
            if p.is_dir() {
                std::fs::remove_dir_all(&p).map_err(|e| err(&p, e))?;
            } else {
                std::fs::remove_file(&p).map_err(|e| err(&p, e))?;
            }
            changed += 1;
        }
    }
    Ok(changed)
}

fn copy(from: &Path, to: &Path) -> Res {
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| format!("copy {} -> {}: {e}", from.display(), to.display()))
}

fn run(extra: &[String]) -> Res {
    if extra.first().map(String::as_str) == Some("--demo") {
        return run_demo();
    }
    deps(false)?;
    build_ui(true)?;
    sh(Command::new(cargo())
        .current_dir(root())
        .args([
            "run",
            "-p",
            "zicht",
            "--release",
            "--features",
            "custom-protocol",
            "--",
        ])
        .args(extra))
}

/// The regional endpoint, for local use; `extra` goes to `zicht-regio serve`.
/// `cargo xtask run --demo`: the demo region (signed directory), a local regional endpoint with
/// an enrolment code, and the app on a separate demo data directory; prints what to enter on
/// the Uitwisseling screen. Stops the endpoint when the app closes.
fn run_demo() -> Res {
    deps(false)?;
    build_ui(true)?;
    let demo = root().join("target/demo-region");
    sh(Command::new(cargo())
        .current_dir(root())
        .args([
            "run",
            "--quiet",
            "-p",
            "zicht-core",
            "--example",
            "demo_region",
            "--",
            "--out",
        ])
        .arg(&demo))?;
    sh(Command::new(cargo()).current_dir(root()).args([
        "build",
        "--quiet",
        "-p",
        "zicht-regio",
        "--release",
    ]))?;
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let regio_bin = target_dir.join("release/zicht-regio");
    let data = demo.join("knooppunt");
    let token = Command::new(&regio_bin)
        .args(["token", "--data"])
        .arg(&data)
        .output()
        .map_err(|e| format!("zicht-regio token: {e}"))?;
    if !token.status.success() {
        return Err(format!(
            "zicht-regio token failed: {}",
            String::from_utf8_lossy(&token.stderr)
        ));
    }
    let code = String::from_utf8_lossy(&token.stdout).trim().to_string();
    let key = String::from_utf8_lossy(&token.stderr)
        .lines()
        .last()
        .unwrap_or_default()
        .trim()
        .to_string();
    let listen = "127.0.0.1:7878";
    let mut server = Command::new(&regio_bin)
        .args(["serve", "--listen", listen, "--data"])
        .arg(&data)
        .spawn()
        .map_err(|e| format!("zicht-regio serve: {e}"))?;
    eprintln!(
        "\nxtask: demo\n  deelnemersoverzicht: {}\n  knooppunt:           http://{listen}\n  sleutel:             {key}\n  aanmeldcode:         {code}\n  (Uitwisseling → Knooppunt instellen; data in {})\n",
        demo.join("deelnemers.json").display(),
        demo.join("app").display()
    );
    let result = sh(Command::new(cargo())
        .current_dir(root())
        .env("ZICHT_DATA_DIR", demo.join("app"))
        .args([
            "run",
            "-p",
            "zicht",
            "--release",
            "--features",
            "custom-protocol",
        ]));
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(server.id().to_string())
        .status();
    let _ = server.wait();
    result
}

fn regio(extra: &[String]) -> Res {
    sh(Command::new(cargo())
        .current_dir(root())
        .args(["run", "-p", "zicht-regio", "--release", "--", "serve"])
        .args(extra))
}

/// `cargo xtask measure`: see the module doc and src-tauri/examples/measure.rs.
fn measure(extra: &[String]) -> Res {
    deps(true)?;
    let build = || -> Res {
        build_ui(true)?;
        sh(Command::new(cargo()).current_dir(root()).args([
            "build",
            "-p",
            "zicht",
            "--release",
            "--features",
            "custom-protocol",
        ]))
    };
    build()?;
    // What a second `cargo xtask run` waits for before the app starts.
    let t = std::time::Instant::now();
    build()?;
    let rebuild = t.elapsed().as_secs_f64();
    sh(Command::new(cargo()).current_dir(root()).args([
        "build",
        "-p",
        "zicht",
        "--example",
        "measure",
    ]))?;
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let mut cmd = if std::env::var_os("DISPLAY").is_some() {
        Command::new(cargo())
    } else {
        let mut c = Command::new("xvfb-run");
        c.args(["-a", "-s", "-screen 0 1280x1024x24"]).arg(cargo());
        c
    };
    cmd.current_dir(root())
        .args([
            "run",
            "--quiet",
            "-p",
            "zicht",
            "--example",
            "measure",
            "--",
            "--app",
        ])
        .arg(target_dir.join("release/zicht"))
        .args(extra)
        .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
    if let Some(dir) = cargo_bin("tauri-driver").parent() {
        let path = std::env::var("PATH").unwrap_or_default();
        cmd.env("PATH", format!("{}:{path}", dir.display()));
    }
    let result = sh(&mut cmd);
    eprintln!("xtask: rebuild with nothing changed (UI + app, release): {rebuild:.1} s");
    result
}

fn test(extra: &[String]) -> Res {
    deps(true)?;
    build_ui(false)?;
    // Everything, under a virtual X display so the end-to-end test gets a real window.
    let mut cmd = Command::new("xvfb-run");
    cmd.current_dir(root())
        .args(["-a", "-s", "-screen 0 1280x1024x24"])
        .arg(cargo())
        .args(["test", "--workspace"])
        .args(extra)
        .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
    let cargo_bin_dir = cargo_bin("tauri-driver").parent().map(Path::to_path_buf);
    if let Some(dir) = cargo_bin_dir {
        let path = std::env::var("PATH").unwrap_or_default();
        cmd.env("PATH", format!("{}:{path}", dir.display()));
    }
    let result = sh(&mut cmd);
    if let Ok(report) = std::fs::read_to_string(root().join("target/e2e/report.txt")) {
        eprintln!("\nxtask: end-to-end report (screenshots in target/e2e/):\n{report}");
    }
    result
}
