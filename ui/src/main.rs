//! Zicht UI: Leptos, client-side rendered, compiled to wasm32 and served by the Tauri shell.
//! All backend calls go through `api`; state-independent logic lives in `logic` (unit-tested
//! on the host); `screens` holds the components.

mod api;
mod app;
mod dom;
mod logic;
mod screens;
mod widgets;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
