//! Every call to the backend, typed. The ONE place that talks to Tauri's IPC.
//!
//! Each function returns `Result<T, ApiError>`: the core's errors arrive as `ApiError`
//! (stable code, Dutch message, field problems); anything else the IPC throws becomes the
//! generic `ipc` error.

use serde::{de::DeserializeOwned, Serialize};
use zicht_model::{
    ApiError, AppStatus, AuditEntry, AuditVerification, CardHit, CardSet, Case, CaseDetail,
    CaseInput, CaseStatus, CaseSummary, Control, ControlInput, DecisionInput, DeviceIdentity,
    DirectoryPreview, DirectoryStatus, ForwardInput, ImportResult, InboxItem, IncomingSummary,
    MonitorFormat, MonitorQuery, MonitorReport, OutboxItem, PassphraseChange, Profile, PurgeReport,
    Region, RegionalSource, Route, RouteVersion, SavedSignal, Settings, SetupInput, SignalFilter,
    SignalInput, SignalSummary, StepInput, Suspicion, SyncStatus,
};

use crate::logic::errors::ipc_error;

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

/// Changes the passphrase (the backend checks the current one and the new one's strength).
pub async fn change_passphrase(input: &PassphraseChange) -> Result<(), ApiError> {
    call("change_passphrase", &InputArg { input }).await
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

/// Checks a directory file without importing it (shows the root fingerprint to confirm).
pub async fn preview_directory(json: &str) -> Result<DirectoryPreview, ApiError> {
    #[derive(Serialize)]
    struct Args<'a> {
        json: &'a str,
    }
    call("preview_directory", &Args { json }).await
}

/// Imports a directory; the first one only with the root fingerprint the user confirmed.
pub async fn import_directory(
    json: &str,
    confirmed_root: Option<&str>,
) -> Result<DirectoryStatus, ApiError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Args<'a> {
        json: &'a str,
        confirmed_root: Option<&'a str>,
    }
    call(
        "import_directory",
        &Args {
            json,
            confirmed_root,
        },
    )
    .await
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

/// Saves an outbox bundle where the user chooses (native "save as" dialog); `None` when the
/// user cancelled.
pub async fn export_bundle_as(id: &str) -> Result<Option<String>, ApiError> {
    call("export_bundle_as", &IdArg { id }).await
}

/// Imports a received `.zicht` file.
pub async fn import_bundle(bytes: &[u8]) -> Result<ImportResult, ApiError> {
    #[derive(Serialize)]
    struct Args<'a> {
        bytes: &'a [u8],
    }
    call("import_bundle", &Args { bytes }).await
}

/// Received bundles without their content (the content: [`view_incoming`], audited).
pub async fn inbox() -> Result<Vec<IncomingSummary>, ApiError> {
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

// ---- binnengekomen and the regional table ---------------------------------------------------

/// Received bundles for the "binnengekomen" list (acute first).
pub async fn incoming() -> Result<Vec<IncomingSummary>, ApiError> {
    call("incoming", &NoArgs {}).await
}

/// One received bundle with its content (the view is audited).
pub async fn view_incoming(id: &str) -> Result<InboxItem, ApiError> {
    call("view_incoming", &IdArg { id }).await
}

/// Accepts the signals of a received bundle into this device's list.
pub async fn accept_incoming(id: &str) -> Result<Vec<String>, ApiError> {
    call("accept_incoming", &IdArg { id }).await
}

/// Marks a received bundle as not relevant, with a reason.
pub async fn dismiss_incoming(id: &str, reason: &str) -> Result<InboxItem, ApiError> {
    #[derive(Serialize)]
    struct Args<'a> {
        id: &'a str,
        reason: &'a str,
    }
    call("dismiss_incoming", &Args { id, reason }).await
}

/// The regional table's decision on a received case; sent back to the municipality.
pub async fn decide_case(id: &str, input: &DecisionInput) -> Result<OutboxItem, ApiError> {
    #[derive(Serialize)]
    struct Args<'a> {
        id: &'a str,
        input: &'a DecisionInput,
    }
    call("decide_case", &Args { id, input }).await
}

// ---- cases ------------------------------------------------------------------------------------

pub async fn cases() -> Result<Vec<CaseSummary>, ApiError> {
    call("cases", &NoArgs {}).await
}

/// A case with signals, advice and next statuses (the view is audited).
pub async fn case_detail(id: &str) -> Result<CaseDetail, ApiError> {
    call("case_detail", &IdArg { id }).await
}

pub async fn create_case(input: &CaseInput) -> Result<Case, ApiError> {
    call("create_case", &InputArg { input }).await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CaseSignalsArgs<'a> {
    id: &'a str,
    signal_ids: &'a [String],
}

pub async fn add_case_signals(id: &str, signal_ids: &[String]) -> Result<Case, ApiError> {
    call("add_case_signals", &CaseSignalsArgs { id, signal_ids }).await
}

pub async fn add_case_note(id: &str, text: &str) -> Result<Case, ApiError> {
    #[derive(Serialize)]
    struct Args<'a> {
        id: &'a str,
        text: &'a str,
    }
    call("add_case_note", &Args { id, text }).await
}

pub async fn set_case_weging(
    id: &str,
    level: Option<Suspicion>,
    motivation: &str,
) -> Result<Case, ApiError> {
    #[derive(Serialize)]
    struct Args<'a> {
        id: &'a str,
        level: Option<Suspicion>,
        motivation: &'a str,
    }
    call(
        "set_case_weging",
        &Args {
            id,
            level,
            motivation,
        },
    )
    .await
}

pub async fn set_case_acute(id: &str, acute: bool) -> Result<Case, ApiError> {
    #[derive(Serialize)]
    struct Args<'a> {
        id: &'a str,
        acute: bool,
    }
    call("set_case_acute", &Args { id, acute }).await
}

pub async fn set_case_status(id: &str, status: CaseStatus) -> Result<Case, ApiError> {
    #[derive(Serialize)]
    struct Args<'a> {
        id: &'a str,
        status: CaseStatus,
    }
    call("set_case_status", &Args { id, status }).await
}

/// Records a route step (one click from the advice, or chosen by hand).
pub async fn record_case_step(id: &str, input: &StepInput) -> Result<Case, ApiError> {
    #[derive(Serialize)]
    struct Args<'a> {
        id: &'a str,
        input: &'a StepInput,
    }
    call("record_case_step", &Args { id, input }).await
}

pub async fn set_step_outcome(id: &str, step: usize, outcome: &str) -> Result<Case, ApiError> {
    #[derive(Serialize)]
    struct Args<'a> {
        id: &'a str,
        step: usize,
        outcome: &'a str,
    }
    call("set_step_outcome", &Args { id, step, outcome }).await
}

/// Sends the case to the regional table with a legal basis (refused without one).
pub async fn forward_case(id: &str, input: &ForwardInput) -> Result<OutboxItem, ApiError> {
    #[derive(Serialize)]
    struct Args<'a> {
        id: &'a str,
        input: &'a ForwardInput,
    }
    call("forward_case", &Args { id, input }).await
}

// ---- meldroute, audit, retention --------------------------------------------------------------

/// Saves an edited meldroute as a new version (validated by the core).
pub async fn save_route(route: &Route) -> Result<Route, ApiError> {
    #[derive(Serialize)]
    struct Args<'a> {
        route: &'a Route,
    }
    call("save_route", &Args { route }).await
}

pub async fn route_versions() -> Result<Vec<RouteVersion>, ApiError> {
    call("route_versions", &NoArgs {}).await
}

/// The audit trail, oldest first; only about `record` when given.
pub async fn audit_log(record: Option<&str>) -> Result<Vec<AuditEntry>, ApiError> {
    #[derive(Serialize)]
    struct Args<'a> {
        record: Option<&'a str>,
    }
    call("audit_log", &Args { record }).await
}

pub async fn verify_audit() -> Result<AuditVerification, ApiError> {
    call("verify_audit", &NoArgs {}).await
}

/// Saves the audit log in the download folder; returns the path.
pub async fn export_audit() -> Result<String, ApiError> {
    call("export_audit", &NoArgs {}).await
}

/// Saves the audit log where the user chooses; `None` when cancelled.
pub async fn export_audit_as() -> Result<Option<String>, ApiError> {
    call("export_audit_as", &NoArgs {}).await
}

/// What the last retention purge removed.
pub async fn last_purge() -> Result<Option<PurgeReport>, ApiError> {
    call("last_purge", &NoArgs {}).await
}

// ---- monitor (aard en omvang) -----------------------------------------------------------------

/// `{ query }` for the monitor commands (one word: the same key in snake_case and camelCase).
#[derive(Serialize)]
struct QueryArg<'a> {
    query: &'a MonitorQuery,
}

/// The figures for one period and filter, after the core's small-cell suppression.
pub async fn monitor(query: &MonitorQuery) -> Result<MonitorReport, ApiError> {
    call("monitor", &QueryArg { query }).await
}

#[derive(Serialize)]
struct ExportArg<'a> {
    query: &'a MonitorQuery,
    format: MonitorFormat,
}

/// Saves the figures in `format` in the download folder; returns the path.
pub async fn export_monitor(
    query: &MonitorQuery,
    format: MonitorFormat,
) -> Result<String, ApiError> {
    call("export_monitor", &ExportArg { query, format }).await
}

/// Saves the figures in `format` where the user chooses; `None` when cancelled.
pub async fn export_monitor_as(
    query: &MonitorQuery,
    format: MonitorFormat,
) -> Result<Option<String>, ApiError> {
    call("export_monitor_as", &ExportArg { query, format }).await
}

/// Seals this municipality's figures (counts only) for the regional table.
pub async fn share_monitor() -> Result<OutboxItem, ApiError> {
    call("share_monitor", &NoArgs {}).await
}

/// The municipalities that shared their figures with this (the table's) device.
pub async fn regional_sources() -> Result<Vec<RegionalSource>, ApiError> {
    call("regional_sources", &NoArgs {}).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_signal_arguments_use_tauris_camel_case_names() {
        let v = serde_json::to_value(CaseSignalsArgs {
            id: "c",
            signal_ids: &["s".into()],
        })
        .unwrap();
        assert_eq!(v, serde_json::json!({"id": "c", "signalIds": ["s"]}));
    }

    #[test]
    fn monitor_arguments_wrap_the_query_under_its_name() {
        let query = MonitorQuery {
            period: zicht_model::PeriodKind::Quarter,
            year: 2026,
            part: 3,
            from: None,
            to: None,
            filter: zicht_model::MonitorFilter::default(),
        };
        let v = serde_json::to_value(QueryArg { query: &query }).unwrap();
        assert_eq!(v["query"]["period"], "quarter");
        assert_eq!(v["query"]["part"], 3);
        assert_eq!(
            v["query"]["filter"]["municipality"],
            serde_json::Value::Null
        );
    }

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
