//! End-to-end tests in the real app window, through WebDriver (tauri-driver + WebKitWebDriver),
//! one test per scenario. Each scenario sets up the state it starts from by itself (its own data
//! dirs, download folder and endpoint port), so each runs alone by name:
//!
//! ```text
//! cargo test -p zicht --test e2e first_run_and_restart
//! cargo test -p zicht --test e2e exchange_by_file
//! cargo test -p zicht --test e2e endpoint_down_then_up
//! cargo test -p zicht --test e2e three_devices_decision
//! cargo test -p zicht --test e2e monitor_figures
//! ```
//!
//! Run together they take turns (a global lock in `driver`): they share one X display and two
//! cores. On every screen axe-core is injected and serious/critical violations fail the test.
//! Screenshots, app logs and `report.txt` (one section per scenario) go to `target/e2e/`.
//!
//! Needs an X display (run it through `cargo xtask test`, which uses Xvfb) and tauri-driver on
//! PATH. It never skips itself: without them it fails and says why.
//!
//! - `driver`: scenarios and app sessions (with their clean-up), waits, screenshots, axe, zoom,
//!   the report, the in-process endpoint.
//! - `steps`: app steps shared by scenarios (setup, record, keys, directory, enrol, canary).
//! - one module per scenario.

mod driver;
mod endpoint;
mod exchange;
mod first_run;
mod monitor;
mod steps;
mod three_devices;

use driver::{run_scenario, Res};

/// First-run setup, record a signal (advice, list, 200 % zoom, the other screens), restart,
/// wrong and right passphrase, the signal with its indicators after the restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_run_and_restart() -> Res {
    run_scenario("first_run_and_restart", first_run::run).await
}

/// Uitwisseling by file: directory import, send, export as `.zicht`, the officer's answer
/// imported (twice).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exchange_by_file() -> Res {
    run_scenario("exchange_by_file", exchange::run).await
}

/// The regional endpoint: enrol, send while it is down, start it, delivered with a receipt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoint_down_then_up() -> Res {
    run_scenario("endpoint_down_then_up", endpoint::run).await
}

/// Three devices on one endpoint: inspector → officer → regional table → decision back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_devices_decision() -> Res {
    run_scenario("three_devices_decision", three_devices::run).await
}

/// Aard en omvang: the figures of a store with records of several kinds, a filter that shows
/// `<5`, the CSV in Downloads equal to the core's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitor_figures() -> Res {
    run_scenario("monitor_figures", monitor::run).await
}
