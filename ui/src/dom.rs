//! Small DOM helpers (focus management). No-ops off wasm32.

/// Moves keyboard focus to the element with this id, after the current render.
pub fn focus_id(id: &str) {
    focus_selector(&format!("#{id}"));
}

/// Moves keyboard focus to the first element matching `selector`, after the current render.
pub fn focus_selector(selector: &str) {
    #[cfg(target_arch = "wasm32")]
    {
        let selector = selector.to_string();
        leptos::prelude::request_animation_frame(move || {
            use wasm_bindgen::JsCast;
            let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
                return;
            };
            if let Ok(Some(el)) = doc.query_selector(&selector) {
                if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                    let _ = el.focus();
                }
            }
        });
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = selector;
}

/// The local wall-clock time.
pub fn now() -> chrono::NaiveDateTime {
    chrono::Local::now().naive_local()
}
