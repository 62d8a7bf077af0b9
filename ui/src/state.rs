//! Reactive helpers shared by the screens (not markup: that is in `widgets`).

use leptos::prelude::*;

/// How often a screen re-reads the sync state and the outbox (the background task does the
/// work; this only shows it).
const REFRESH_MS: u64 = 3000;

/// Calls `f` every [`REFRESH_MS`] while the component lives.
pub fn every_refresh(f: impl Fn() + 'static) {
    if let Ok(handle) = set_interval_with_handle(f, std::time::Duration::from_millis(REFRESH_MS)) {
        on_cleanup(move || handle.clear());
    }
}
