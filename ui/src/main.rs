//! Zicht UI: Leptos, client-side rendered, compiled to wasm32 and served by the Tauri shell.
//! All backend calls go through `api`; state-independent logic lives in `logic` (unit-tested
//! on the host); `ctx` holds the shared context, `state` the reactive helpers, `widgets` the
//! markup shared by screens and `screens` one module per screen. Screens import `ctx`,
//! `widgets`, `state`, `logic` and `api`, never `app` or each other.

mod api;
mod app;
mod ctx;
mod dom;
mod logic;
mod screens;
mod state;
mod widgets;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
