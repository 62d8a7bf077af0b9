//! Every call to the backend, typed. The ONE place that talks to Tauri's IPC.
//!
//! Each function returns `Result<T, ApiError>`: the core's errors arrive as `ApiError`
//! (stable code, Dutch message, field problems); anything else the IPC throws becomes the
//! generic `ipc` error.

use serde::{de::DeserializeOwned, Serialize};
use zicht_model::{
    ApiError, AppStatus, CardHit, CardSet, Control, ControlInput, Profile, Region, Route,
    SavedSignal, Settings, SetupInput, SignalFilter, SignalInput, SignalSummary,
};

/// The message of the generic IPC error.
pub const IPC_MESSAGE: &str = "Er ging iets mis in de verbinding met de app.";

/// The error for anything the IPC throws that is not an `ApiError`.
pub fn ipc_error() -> ApiError {
    ApiError {
        code: "ipc".into(),
        message: IPC_MESSAGE.into(),
        fields: Vec::new(),
    }
}

#[cfg(target_arch = "wasm32")]
mod ipc {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = ["window", "__TAURI_INTERNALS__"], catch)]
        pub async fn invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;
    }
}

#[cfg(target_arch = "wasm32")]
async fn call<A: Serialize, R: DeserializeOwned>(cmd: &str, args: &A) -> Result<R, ApiError> {
    use serde_wasm_bindgen::Serializer;
    let args = args
        .serialize(&Serializer::json_compatible())
        .map_err(|_| ipc_error())?;
    match ipc::invoke(cmd, args).await {
        Ok(value) => serde_wasm_bindgen::from_value(value).map_err(|_| ipc_error()),
        Err(err) => {
            Err(serde_wasm_bindgen::from_value::<ApiError>(err).unwrap_or_else(|_| ipc_error()))
        }
    }
}

/// Off wasm32 (unit tests on the host) there is no app to talk to.
#[cfg(not(target_arch = "wasm32"))]
async fn call<A: Serialize, R: DeserializeOwned>(_cmd: &str, _args: &A) -> Result<R, ApiError> {
    Err(ipc_error())
}

#[derive(Serialize)]
struct NoArgs {}

#[derive(Serialize)]
struct InputArg<'a, T> {
    input: &'a T,
}

#[derive(Serialize)]
struct IdArg<'a> {
    id: &'a str,
}

pub async fn app_status() -> Result<AppStatus, ApiError> {
    call("app_status", &NoArgs {}).await
}

pub async fn regions() -> Result<Vec<Region>, ApiError> {
    call("regions", &NoArgs {}).await
}

pub async fn setup(input: &SetupInput) -> Result<Profile, ApiError> {
    call("setup", &InputArg { input }).await
}

pub async fn unlock(passphrase: &str) -> Result<Profile, ApiError> {
    #[derive(Serialize)]
    struct Args<'a> {
        passphrase: &'a str,
    }
    call("unlock", &Args { passphrase }).await
}

pub async fn lock() -> Result<(), ApiError> {
    call("lock", &NoArgs {}).await
}

pub async fn card_set() -> Result<CardSet, ApiError> {
    call("card_set", &NoArgs {}).await
}

pub async fn search_cards(query: &str) -> Result<Vec<CardHit>, ApiError> {
    #[derive(Serialize)]
    struct Args<'a> {
        query: &'a str,
    }
    call("search_cards", &Args { query }).await
}

pub async fn route() -> Result<Route, ApiError> {
    call("route", &NoArgs {}).await
}

pub async fn start_control(input: &ControlInput) -> Result<Control, ApiError> {
    call("start_control", &InputArg { input }).await
}

pub async fn end_control(id: &str) -> Result<Control, ApiError> {
    call("end_control", &IdArg { id }).await
}

pub async fn list_controls() -> Result<Vec<Control>, ApiError> {
    call("list_controls", &NoArgs {}).await
}

pub async fn record_signal(input: &SignalInput) -> Result<SavedSignal, ApiError> {
    call("record_signal", &InputArg { input }).await
}

pub async fn list_signals(filter: &SignalFilter) -> Result<Vec<SignalSummary>, ApiError> {
    #[derive(Serialize)]
    struct Args<'a> {
        filter: &'a SignalFilter,
    }
    call("list_signals", &Args { filter }).await
}

pub async fn get_signal(id: &str) -> Result<SavedSignal, ApiError> {
    call("get_signal", &IdArg { id }).await
}

pub async fn save_draft(draft: &SignalInput) -> Result<(), ApiError> {
    #[derive(Serialize)]
    struct Args<'a> {
        draft: &'a SignalInput,
    }
    call("save_draft", &Args { draft }).await
}

pub async fn load_draft() -> Result<Option<SignalInput>, ApiError> {
    call("load_draft", &NoArgs {}).await
}

pub async fn clear_draft() -> Result<(), ApiError> {
    call("clear_draft", &NoArgs {}).await
}

pub async fn settings() -> Result<Settings, ApiError> {
    call("settings", &NoArgs {}).await
}

pub async fn set_settings(settings: &Settings) -> Result<Settings, ApiError> {
    #[derive(Serialize)]
    struct Args<'a> {
        settings: &'a Settings,
    }
    call("set_settings", &Args { settings }).await
}
