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

/// A file the user chose in an `<input type="file">`.
pub struct PickedFile {
    pub size: u64,
    file: web_sys::File,
}

/// Takes the first chosen file from a file input's `change` event and empties the input, so
/// choosing the same file again fires `change` again.
pub fn picked_file(ev: &web_sys::Event) -> Option<PickedFile> {
    use wasm_bindgen::JsCast;
    let input: web_sys::HtmlInputElement = ev.target()?.dyn_into().ok()?;
    let file = input.files()?.get(0)?;
    input.set_value("");
    Some(PickedFile {
        size: file.size() as u64,
        file,
    })
}

impl PickedFile {
    /// The content as text (UTF-8).
    pub async fn text(&self) -> Result<String, ()> {
        let v = wasm_bindgen_futures::JsFuture::from(self.file.text())
            .await
            .map_err(|_| ())?;
        v.as_string().ok_or(())
    }

    /// The content as bytes.
    pub async fn bytes(&self) -> Result<Vec<u8>, ()> {
        let buf = wasm_bindgen_futures::JsFuture::from(self.file.array_buffer())
            .await
            .map_err(|_| ())?;
        Ok(js_sys::Uint8Array::new(&buf).to_vec())
    }
}

/// Puts `text` on the clipboard. The browser call is made at once (WebKit allows it only
/// during the click), the returned future says whether it worked.
pub fn copy_text(text: &str) -> impl std::future::Future<Output = bool> {
    let promise = clipboard_write(text);
    async move {
        match promise {
            Some(p) => wasm_bindgen_futures::JsFuture::from(p).await.is_ok(),
            None => false,
        }
    }
}

fn clipboard_write(text: &str) -> Option<js_sys::Promise> {
    #[cfg(target_arch = "wasm32")]
    {
        use js_sys::{Function, Promise, Reflect};
        use wasm_bindgen::{JsCast, JsValue};
        let window = web_sys::window()?;
        let nav = Reflect::get(&window, &JsValue::from_str("navigator")).ok()?;
        let clipboard = Reflect::get(&nav, &JsValue::from_str("clipboard")).ok()?;
        if clipboard.is_undefined() || clipboard.is_null() {
            return None;
        }
        let write: Function = Reflect::get(&clipboard, &JsValue::from_str("writeText"))
            .ok()?
            .dyn_into()
            .ok()?;
        write
            .call1(&clipboard, &JsValue::from_str(text))
            .ok()?
            .dyn_into::<Promise>()
            .ok()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = text;
        None
    }
}

/// Selects the whole text of a textarea or input (for copying by hand) and focuses it.
pub fn select_text(id: &str) {
    #[cfg(target_arch = "wasm32")]
    {
        let id = id.to_string();
        leptos::prelude::request_animation_frame(move || {
            use wasm_bindgen::JsCast;
            let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(&id))
            else {
                return;
            };
            if let Ok(t) = el.dyn_into::<web_sys::HtmlTextAreaElement>() {
                let _ = t.focus();
                t.select();
            }
        });
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = id;
}
