//! Every call to the backend, typed. The ONE place that talks to Tauri's IPC.
//!
//! Each function returns `Result<T, ApiError>`: the core's errors arrive as `ApiError`
//! (stable code, Dutch message, field problems); anything else the IPC throws becomes the
//! generic `ipc` error.

use serde::{de::DeserializeOwned, Serialize};
use zicht_model::{
    ApiError, AppStatus, CardHit, CardSet, Control, ControlInput, DeviceIdentity, DirectoryStatus,
    ImportResult, InboxItem, OutboxItem, Profile, Region, Route, SavedSignal, Settings, SetupInput,
    SignalFilter, SignalInput, SignalSummary, SyncStatus,
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

pub async fn device_identity() -> Result<DeviceIdentity, ApiError> {
    call("device_identity", &NoArgs {}).await
}

/// The regional directory this device holds; `None` before the first import.
pub async fn directory_status() -> Result<Option<DirectoryStatus>, ApiError> {
    call("directory_status", &NoArgs {}).await
}

/// Imports a signed directory (the text of the file from the coordinator).
pub async fn import_directory(json: &str) -> Result<DirectoryStatus, ApiError> {
    #[derive(Serialize)]
    struct Args<'a> {
        json: &'a str,
    }
    call("import_directory", &Args { json }).await
}

/// Seals signals into one bundle for the given participants (directory ids) in the outbox.
pub async fn send_signals(
    signal_ids: &[String],
    recipient_ids: &[String],
) -> Result<OutboxItem, ApiError> {
    call(
        "send_signals",
        &SendArgs {
            signal_ids,
            recipient_ids,
        },
    )
    .await
}

/// Tauri maps the Rust parameters `signal_ids` / `recipient_ids` to camelCase keys.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SendArgs<'a> {
    signal_ids: &'a [String],
    recipient_ids: &'a [String],
}

pub async fn outbox() -> Result<Vec<OutboxItem>, ApiError> {
    call("outbox", &NoArgs {}).await
}

/// Saves an outbox bundle as a `.zicht` file in the download folder; returns its path.
pub async fn export_bundle(id: &str) -> Result<String, ApiError> {
    call("export_bundle", &IdArg { id }).await
}

/// Imports a received `.zicht` file.
pub async fn import_bundle(bytes: &[u8]) -> Result<ImportResult, ApiError> {
    #[derive(Serialize)]
    struct Args<'a> {
        bytes: &'a [u8],
    }
    call("import_bundle", &Args { bytes }).await
}

pub async fn inbox() -> Result<Vec<InboxItem>, ApiError> {
    call("inbox", &NoArgs {}).await
}

/// State of the connection with the regional endpoint (last sync round).
pub async fn sync_status() -> Result<SyncStatus, ApiError> {
    call("sync_status", &NoArgs {}).await
}

/// Sets the endpoint address and pins its key (as the coordinator gave them).
pub async fn configure_endpoint(url: &str, endpoint_key: &str) -> Result<SyncStatus, ApiError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Args<'a> {
        url: &'a str,
        endpoint_key: &'a str,
    }
    call("configure_endpoint", &Args { url, endpoint_key }).await
}

/// Enrols this device at the endpoint with a one-time token.
pub async fn enrol(token: &str) -> Result<SyncStatus, ApiError> {
    #[derive(Serialize)]
    struct Args<'a> {
        token: &'a str,
    }
    call("enrol", &Args { token }).await
}

/// Asks the background task to sync now.
pub async fn sync_now() -> Result<(), ApiError> {
    call("sync_now", &NoArgs {}).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_arguments_use_tauris_camel_case_names() {
        let v = serde_json::to_value(SendArgs {
            signal_ids: &["s".into()],
            recipient_ids: &["af".into()],
        })
        .unwrap();
        assert_eq!(
            v,
            serde_json::json!({"signalIds": ["s"], "recipientIds": ["af"]})
        );
    }
}
