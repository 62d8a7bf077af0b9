//! The examples behind `cargo xtask demo-data` and `cargo xtask monitor`, run as the user runs
//! them: a small store from `demo_data` (the app's key derivation, so a second or two), then its
//! monitor as CSV from `monitor`, twice with the same seed.
//!
//! The example binaries are the ones `cargo test -p zicht-core` builds next to this test
//! (`target/<profile>/examples/`); when they are missing or older than their source (e.g.
//! under `cargo test --test integration`), they are built first with `cargo build`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PASS: &str = crate::common::PASS;

/// `target/<profile>/examples/<name>`, built if missing or older than its source.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/integration-<hash>
    let profile_dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = profile_dir.join("examples").join(name);
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(format!("{name}.rs"));
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let stale = match (modified(&bin), modified(&src)) {
        (Some(b), Some(s)) => b < s,
        _ => true,
    };
    if stale {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "--quiet", "-p", "zicht-core", "--example", name]);
        if profile_dir.file_name().is_some_and(|p| p == "release") {
            cmd.arg("--release");
        }
        let status = cmd.status().unwrap();
        assert!(status.success(), "cargo build --example {name}: {status}");
    }
    bin
}

fn run(name: &str, args: &[&str], passphrase: &str) -> Output {
    Command::new(example(name))
        .args(args)
        .env("ZICHT_PASSPHRASE", passphrase)
        .output()
        .unwrap()
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Splits one CSV line at `;` outside quotes.
fn fields(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ';' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// The quarters from `from` to `to` as the monitor labels them (`2026-Q3`).
fn quarters(from: chrono::NaiveDate, to: chrono::NaiveDate) -> Vec<String> {
    use chrono::Datelike;
    let index = |d: chrono::NaiveDate| d.year() * 4 + d.month0() as i32 / 3;
    (index(from)..=index(to))
        .map(|i| format!("{}-Q{}", i.div_euclid(4), i.rem_euclid(4) + 1))
        .collect()
}

/// Makes a store of 300 records with seed 7 in `dir` and returns its monitor CSV (quarters of
/// the last three years) and what `demo_data` printed.
fn demo_and_monitor(dir: &Path, from: &str, to: &str) -> (String, String) {
    let store = dir.join("opslag");
    let csv = dir.join("monitor.csv");
    let out = ok(run(
        "demo_data",
        &[
            "--out",
            store.to_str().unwrap(),
            "--signals",
            "300",
            "--seed",
            "7",
        ],
        PASS,
    ));
    ok(run(
        "monitor",
        &[
            "--data",
            store.to_str().unwrap(),
            "--from",
            from,
            "--to",
            to,
            "--period",
            "quarter",
            "--csv",
            csv.to_str().unwrap(),
        ],
        PASS,
    ));
    (std::fs::read_to_string(csv).unwrap(), out)
}

#[test]
fn demo_data_and_monitor_make_one_valid_deterministic_csv() {
    let started = std::time::Instant::now();
    let today = chrono::Local::now().date_naive();
    let from = today - chrono::Duration::days(3 * 365);
    let (from_s, to_s) = (from.to_string(), today.to_string());
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (csv, printed) = demo_and_monitor(a.path(), &from_s, &to_s);

    // Some records were old enough to be purged into the monitor's ledger.
    let purged = printed
        .lines()
        .find(|l| l.starts_with("Verwijderd"))
        .expect("purge line");
    let numbers: Vec<u64> = purged
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    assert!(numbers.iter().sum::<u64>() > 0, "{printed}");

    // One BOM, one header, then rows of four fields.
    let body = csv.strip_prefix('\u{feff}').expect("byte-order mark");
    assert!(!body.contains('\u{feff}'));
    let mut lines = body.split("\r\n");
    assert_eq!(lines.next(), Some("dimensie;categorie;periode;aantal"));
    let rows: Vec<Vec<String>> = lines.filter(|l| !l.is_empty()).map(fields).collect();
    assert!(rows.len() > 100, "{} rows", rows.len());
    for r in &rows {
        assert_eq!(r.len(), 4, "{r:?}");
        assert_ne!(r[0], "dimensie", "a second header");
    }
    // A total of every quarter asked for, each a figure as shown.
    for q in quarters(from, today) {
        let total = rows
            .iter()
            .find(|r| r[0] == "soort" && r[1] == "Totaal" && r[2] == q)
            .unwrap_or_else(|| panic!("no soort;Totaal;{q}"));
        let n = &total[3];
        assert!(
            n.parse::<u64>().is_ok() || n == "<5" || n == "–",
            "{q}: {n}"
        );
    }
    // Not all hidden: three years of 300 records give some quarters shown in full.
    assert!(rows
        .iter()
        .any(|r| r[0] == "soort" && r[1] == "Totaal" && r[3].parse::<u64>().unwrap_or(0) >= 5));

    // The same seed gives the same figures.
    let (again, _) = demo_and_monitor(b.path(), &from_s, &to_s);
    assert_eq!(csv, again);

    // A store is not filled twice, and a wrong passphrase opens nothing; both exit non-zero
    // with a Dutch message.
    let store = a.path().join("opslag");
    let store = store.to_str().unwrap();
    let twice = run("demo_data", &["--out", store, "--signals", "10"], PASS);
    assert!(!twice.status.success());
    assert!(String::from_utf8_lossy(&twice.stderr).contains("bevat al een Zicht-opslag"));
    let csv_path = a.path().join("x.csv");
    let wrong = run(
        "monitor",
        &[
            "--data",
            store,
            "--from",
            &from_s,
            "--to",
            &to_s,
            "--period",
            "year",
            "--csv",
            csv_path.to_str().unwrap(),
        ],
        "een heel ander wachtwoord",
    );
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("wachtwoord is onjuist"));
    assert!(!csv_path.exists());
    eprintln!("examples test: {:.1} s", started.elapsed().as_secs_f64());
}
