//! The Tauri shell: opens the store, registers the commands, runs the idle-lock timer.
//! All behaviour lives in `zicht-core`; see ARCHITECTURE.md.

pub mod commands;
pub mod state;

use state::AppState;
use std::time::Duration;
use tauri::{Manager, Runtime};

/// Environment variable that overrides the data directory (tests, several profiles).
pub const DATA_DIR_ENV: &str = "ZICHT_DATA_DIR";

/// Registers Zicht's state and commands on any Tauri builder (the real one or the test mock).
pub fn run_app<R: Runtime>(builder: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    builder.manage(state).invoke_handler(commands::handler())
}

/// Logs go to stderr, at info level by default (`RUST_LOG` overrides). Log lines carry counts
/// and codes only, never record contents.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

pub fn run() {
    init_logging();
    let result = run_app(tauri::Builder::default(), AppState::empty())
        .setup(|app| {
            let dir = match std::env::var_os(DATA_DIR_ENV) {
                Some(d) => std::path::PathBuf::from(d),
                None => app.path().app_data_dir()?.join("store"),
            };
            tracing::info!("data directory resolved");
            app.state::<AppState>().open(&dir);
            let handle = app.handle().clone();
            std::thread::spawn(move || loop {
                std::thread::sleep(Duration::from_secs(15));
                handle.state::<AppState>().lock_if_idle();
            });
            Ok(())
        })
        .run(tauri::generate_context!("../tauri.conf.json"));
    if let Err(e) = result {
        tracing::error!(error = %e, "Zicht stopped with an error");
        std::process::exit(1);
    }
}
