//! Tauri commands: each takes the state, calls the core, maps the error. Nothing else.

use crate::state::AppState;
use std::path::PathBuf;
use tauri::{AppHandle, Manager, Runtime, State};
use zicht_model::*;

type R<T> = Result<T, ApiError>;

#[tauri::command]
pub async fn app_status(state: State<'_, AppState>) -> R<AppStatus> {
    state.peek(|z| z.status())
}

#[tauri::command]
pub async fn regions() -> R<Vec<Region>> {
    zicht_core::assets::regions().map_err(Into::into)
}

#[tauri::command]
pub async fn setup(state: State<'_, AppState>, input: SetupInput) -> R<Profile> {
    state.with(|z, now| z.setup(input, now))
}

#[tauri::command]
pub async fn unlock(state: State<'_, AppState>, passphrase: String) -> R<Profile> {
    let uptime = state.uptime();
    state.with(|z, now| z.unlock(passphrase, now, uptime))
}

#[tauri::command]
pub async fn change_passphrase(state: State<'_, AppState>, input: PassphraseChange) -> R<()> {
    let uptime = state.uptime();
    state.with(|z, now| z.change_passphrase(input, now, uptime))
}

#[tauri::command]
pub async fn lock(state: State<'_, AppState>) -> R<()> {
    state.peek(|z| {
        z.lock();
        Ok(())
    })
}

#[tauri::command]
pub async fn settings(state: State<'_, AppState>) -> R<Settings> {
    state.with(|z, _| z.settings())
}

#[tauri::command]
pub async fn set_settings(state: State<'_, AppState>, settings: Settings) -> R<Settings> {
    state.with(|z, now| z.set_settings(settings, now))
}

#[tauri::command]
pub async fn card_set(state: State<'_, AppState>) -> R<CardSet> {
    state.with(|z, _| z.card_set().cloned())
}

#[tauri::command]
pub async fn search_cards(state: State<'_, AppState>, query: String) -> R<Vec<CardHit>> {
    state.with(|z, _| z.search_cards(&query))
}

#[tauri::command]
pub async fn route(state: State<'_, AppState>) -> R<Route> {
    state.with(|z, _| z.route().cloned())
}

#[tauri::command]
pub async fn start_control(state: State<'_, AppState>, input: ControlInput) -> R<Control> {
    state.with(|z, now| z.start_control(input, now))
}

#[tauri::command]
pub async fn end_control(state: State<'_, AppState>, id: String) -> R<Control> {
    state.with(|z, now| z.end_control(&id, now))
}

#[tauri::command]
pub async fn list_controls(state: State<'_, AppState>) -> R<Vec<Control>> {
    state.with(|z, _| z.controls())
}

#[tauri::command]
pub async fn record_signal(state: State<'_, AppState>, input: SignalInput) -> R<SavedSignal> {
    state.with(|z, now| z.record_signal(input, now))
}

#[tauri::command]
pub async fn list_signals(
    state: State<'_, AppState>,
    filter: SignalFilter,
) -> R<Vec<SignalSummary>> {
    state.with(|z, _| z.list_signals(&filter))
}

#[tauri::command]
pub async fn get_signal(state: State<'_, AppState>, id: String) -> R<SavedSignal> {
    state.with(|z, now| z.view_signal(&id, now))
}

#[tauri::command]
pub async fn save_draft(state: State<'_, AppState>, draft: SignalInput) -> R<()> {
    state.with(|z, now| z.save_draft(&draft, now))
}

#[tauri::command]
pub async fn load_draft(state: State<'_, AppState>) -> R<Option<SignalInput>> {
    state.with(|z, _| z.load_draft())
}

#[tauri::command]
pub async fn clear_draft(state: State<'_, AppState>) -> R<()> {
    state.with(|z, _| z.clear_draft())
}

#[tauri::command]
pub async fn sync_status(state: State<'_, AppState>) -> R<SyncStatus> {
    state.peek(|z| z.sync_status())
}

#[tauri::command]
pub async fn configure_endpoint(
    state: State<'_, AppState>,
    url: String,
    endpoint_key: String,
) -> R<SyncStatus> {
    state.with(|z, _| {
        z.configure_endpoint(&url, &endpoint_key)
            .and_then(|_| z.sync_status())
    })
}

/// Runs work that blocks (the network, a native dialog) on the blocking pool, so that the
/// runtime's few async workers, which serve every other call, stay free meanwhile.
async fn blocking<Rt: Runtime, T: Send + 'static>(
    app: AppHandle<Rt>,
    f: impl FnOnce(&AppHandle<Rt>, &AppState) -> R<T> + Send + 'static,
) -> R<T> {
    tauri::async_runtime::spawn_blocking(move || f(&app, &app.state::<AppState>()))
        .await
        .map_err(|_| ApiError::internal())?
}

#[tauri::command]
pub async fn enrol<Rt: Runtime>(app: AppHandle<Rt>, token: String) -> R<SyncStatus> {
    blocking(app, move |_, state| {
        let r = state.enrol(&token, &zicht_core::sync::HttpTransport::default());
        state.wake.notify_one();
        r
    })
    .await
}

#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>) -> R<()> {
    state.wake.notify_one();
    Ok(())
}

#[tauri::command]
pub async fn device_identity(state: State<'_, AppState>) -> R<DeviceIdentity> {
    state.with(|z, _| z.device_identity())
}

#[tauri::command]
pub async fn directory_status(state: State<'_, AppState>) -> R<Option<DirectoryStatus>> {
    // Polled by the UI: not user activity (must not keep the idle lock away).
    state.peek(|z| z.directory_status())
}

#[tauri::command]
pub async fn preview_directory(state: State<'_, AppState>, json: String) -> R<DirectoryPreview> {
    let configured = state.region_root.is_some();
    state.with(|z, _| {
        z.preview_directory(&json).map(|p| DirectoryPreview {
            root_preconfigured: configured,
            ..p
        })
    })
}

#[tauri::command]
pub async fn import_directory(
    state: State<'_, AppState>,
    json: String,
    confirmed_root: Option<String>,
) -> R<DirectoryStatus> {
    // The configured fingerprint, when there is one, is the one the first import must match.
    let confirmed = state.region_root.clone().or(confirmed_root);
    state.with(|z, now| z.import_directory(&json, confirmed.as_deref(), now))
}

#[tauri::command]
pub async fn send_signals(
    state: State<'_, AppState>,
    signal_ids: Vec<String>,
    recipient_ids: Vec<String>,
) -> R<OutboxItem> {
    let item = state.with(|z, now| z.send_signals(&signal_ids, &recipient_ids, now));
    state.wake.notify_one();
    item
}

#[tauri::command]
pub async fn outbox(state: State<'_, AppState>) -> R<Vec<OutboxItem>> {
    // Polled by the UI: not user activity (must not keep the idle lock away).
    state.peek(|z| z.outbox())
}

/// Where exported bundles go: the user's download folder, else the home folder.
fn export_dir<Rt: Runtime>(app: &AppHandle<Rt>) -> R<PathBuf> {
    let p = app.path();
    p.download_dir()
        .or_else(|_| p.home_dir())
        .map_err(|_| ApiError::no_export_dir())
}

/// Saves an outbox bundle as a `.zicht` file; returns the path for the user.
#[tauri::command]
pub async fn export_bundle<Rt: Runtime>(
    app: AppHandle<Rt>,
    state: State<'_, AppState>,
    id: String,
) -> R<String> {
    let dir = export_dir(&app)?;
    state.with(|z, now| {
        z.export_bundle(&id, &dir, now)
            .map(|p| p.display().to_string())
    })
}

/// Asks where to save an outbox bundle (the native "save as" dialog, starting in the download
/// folder) and saves it there. `None` when the user cancelled.
#[tauri::command]
pub async fn export_bundle_as<Rt: Runtime>(app: AppHandle<Rt>, id: String) -> R<Option<String>> {
    blocking(app, move |app, state| {
        let name = state.with(|z, _| z.bundle_file_name(&id))?;
        let Some(path) = save_dialog(app, &name, "Zicht-bundel", "zicht") else {
            return Ok(None);
        };
        state.with(|z, now| {
            z.export_bundle_to(&id, &path, now)
                .map(|p| Some(p.display().to_string()))
        })
    })
    .await
}

/// The native save dialog; blocks the calling (blocking-pool) thread until the user answers.
fn save_dialog<Rt: Runtime>(
    app: &AppHandle<Rt>,
    name: &str,
    kind: &str,
    ext: &str,
) -> Option<PathBuf> {
    use tauri_plugin_dialog::DialogExt;
    let mut dialog = app
        .dialog()
        .file()
        .set_title("Opslaan als")
        .set_file_name(name)
        .add_filter(kind, &[ext]);
    if let Ok(dir) = export_dir(app) {
        dialog = dialog.set_directory(dir);
    }
    dialog.blocking_save_file().and_then(|p| p.into_path().ok())
}

#[tauri::command]
pub async fn import_bundle(state: State<'_, AppState>, bytes: Vec<u8>) -> R<ImportResult> {
    state.with(|z, now| z.import_bundle(&bytes, now))
}

#[tauri::command]
pub async fn inbox(state: State<'_, AppState>) -> R<Vec<IncomingSummary>> {
    // Polled by the UI: not user activity (must not keep the idle lock away). Summaries only:
    // the content comes through view_incoming, which audits the view first.
    state.peek(|z| z.inbox_summaries())
}

// ---- binnengekomen and the regional table -----------------------------------------------------

#[tauri::command]
pub async fn incoming(state: State<'_, AppState>) -> R<Vec<IncomingSummary>> {
    // Polled by the UI: not user activity.
    state.peek(|z| z.incoming())
}

#[tauri::command]
pub async fn view_incoming(state: State<'_, AppState>, id: String) -> R<InboxItem> {
    state.with(|z, now| z.view_incoming(&id, now))
}

#[tauri::command]
pub async fn accept_incoming(state: State<'_, AppState>, id: String) -> R<Vec<String>> {
    state.with(|z, now| z.accept_incoming(&id, now))
}

#[tauri::command]
pub async fn dismiss_incoming(
    state: State<'_, AppState>,
    id: String,
    reason: String,
) -> R<InboxItem> {
    state.with(|z, now| z.dismiss_incoming(&id, &reason, now))
}

#[tauri::command]
pub async fn decide_case(
    state: State<'_, AppState>,
    id: String,
    input: DecisionInput,
) -> R<OutboxItem> {
    let item = state.with(|z, now| z.decide_case(&id, input, now));
    state.wake.notify_one();
    item
}

// ---- cases ------------------------------------------------------------------------------------

#[tauri::command]
pub async fn cases(state: State<'_, AppState>) -> R<Vec<CaseSummary>> {
    state.with(|z, _| z.cases())
}

#[tauri::command]
pub async fn case_detail(state: State<'_, AppState>, id: String) -> R<CaseDetail> {
    state.with(|z, now| z.case_detail(&id, now))
}

#[tauri::command]
pub async fn create_case(state: State<'_, AppState>, input: CaseInput) -> R<Case> {
    state.with(|z, now| z.create_case(input, now))
}

#[tauri::command]
pub async fn add_case_signals(
    state: State<'_, AppState>,
    id: String,
    signal_ids: Vec<String>,
) -> R<Case> {
    state.with(|z, now| z.add_case_signals(&id, &signal_ids, now))
}

#[tauri::command]
pub async fn add_case_note(state: State<'_, AppState>, id: String, text: String) -> R<Case> {
    state.with(|z, now| z.add_case_note(&id, &text, now))
}

#[tauri::command]
pub async fn set_case_weging(
    state: State<'_, AppState>,
    id: String,
    level: Option<Suspicion>,
    motivation: String,
) -> R<Case> {
    state.with(|z, now| z.set_case_weging(&id, level, &motivation, now))
}

#[tauri::command]
pub async fn set_case_acute(state: State<'_, AppState>, id: String, acute: bool) -> R<Case> {
    state.with(|z, now| z.set_case_acute(&id, acute, now))
}

#[tauri::command]
pub async fn set_case_status(
    state: State<'_, AppState>,
    id: String,
    status: CaseStatus,
) -> R<Case> {
    state.with(|z, now| z.set_case_status(&id, status, now))
}

#[tauri::command]
pub async fn record_case_step(state: State<'_, AppState>, id: String, input: StepInput) -> R<Case> {
    state.with(|z, now| z.record_case_step(&id, input, now))
}

#[tauri::command]
pub async fn set_step_outcome(
    state: State<'_, AppState>,
    id: String,
    step: usize,
    outcome: String,
) -> R<Case> {
    state.with(|z, now| z.set_step_outcome(&id, step, &outcome, now))
}

#[tauri::command]
pub async fn forward_case(
    state: State<'_, AppState>,
    id: String,
    input: ForwardInput,
) -> R<OutboxItem> {
    let item = state.with(|z, now| z.forward_case(&id, input, now));
    state.wake.notify_one();
    item
}

// ---- meldroute, audit, retention --------------------------------------------------------------

#[tauri::command]
pub async fn save_route(state: State<'_, AppState>, route: Route) -> R<Route> {
    state.with(|z, now| z.save_route(route, now))
}

#[tauri::command]
pub async fn route_versions(state: State<'_, AppState>) -> R<Vec<RouteVersion>> {
    state.with(|z, _| z.route_versions())
}

#[tauri::command]
pub async fn audit_log(state: State<'_, AppState>, record: Option<String>) -> R<Vec<AuditEntry>> {
    state.with(|z, _| z.audit_log(record.as_deref()))
}

#[tauri::command]
pub async fn verify_audit(state: State<'_, AppState>) -> R<AuditVerification> {
    state.with(|z, _| z.verify_audit())
}

/// Asks where to save the audit log (native dialog) and saves it there; `None` if cancelled.
#[tauri::command]
pub async fn export_audit_as<Rt: Runtime>(app: AppHandle<Rt>) -> R<Option<String>> {
    blocking(app, |app, state| {
        let name = state.with(|_, now| Ok(zicht_core::audit::file_name(now)))?;
        let Some(path) = save_dialog(app, &name, "Auditlog (JSON-regels)", "jsonl") else {
            return Ok(None);
        };
        state.with(|z, now| {
            z.export_audit_to(&path, now)
                .map(|p| Some(p.display().to_string()))
        })
    })
    .await
}

/// Saves the audit log as JSON lines in the download folder; returns the path.
#[tauri::command]
pub async fn export_audit<Rt: Runtime>(
    app: AppHandle<Rt>,
    state: State<'_, AppState>,
) -> R<String> {
    let dir = export_dir(&app)?;
    state.with(|z, now| z.export_audit(&dir, now).map(|p| p.display().to_string()))
}

/// The monitor *aard en omvang* for a period and filter (figures already protected).
#[tauri::command]
pub async fn monitor(state: State<'_, AppState>, query: MonitorQuery) -> R<MonitorReport> {
    state.with(|z, now| z.monitor(&query, now))
}

/// Saves the monitor in `format` (CSV or xlsx) in the download folder (audited); returns the
/// path.
#[tauri::command]
pub async fn export_monitor<Rt: Runtime>(
    app: AppHandle<Rt>,
    state: State<'_, AppState>,
    query: MonitorQuery,
    format: MonitorFormat,
) -> R<String> {
    let dir = export_dir(&app)?;
    state.with(|z, now| {
        z.export_monitor(&query, format, &dir, now)
            .map(|p| p.display().to_string())
    })
}

/// Asks where to save the monitor in `format` (native dialog) and saves it there; `None` if
/// cancelled.
#[tauri::command]
pub async fn export_monitor_as<Rt: Runtime>(
    app: AppHandle<Rt>,
    query: MonitorQuery,
    format: MonitorFormat,
) -> R<Option<String>> {
    blocking(app, move |app, state| {
        let name = state.with(|z, now| z.monitor_file_name(&query, format, now))?;
        let Some(path) = save_dialog(app, &name, format.label(), format.extension()) else {
            return Ok(None);
        };
        state.with(|z, now| {
            z.export_monitor_to(&query, format, &path, now)
                .map(|p| Some(p.display().to_string()))
        })
    })
    .await
}

/// Seals the municipality's figures (counts only) for the regional table and wakes the sync.
#[tauri::command]
pub async fn share_monitor(state: State<'_, AppState>) -> R<OutboxItem> {
    let item = state.with(|z, now| z.share_monitor(now));
    state.wake.notify_one();
    item
}

/// Which municipalities shared their figures with this (the table's) device, and when.
#[tauri::command]
pub async fn regional_sources(state: State<'_, AppState>) -> R<Vec<RegionalSource>> {
    state.with(|z, _| z.regional_sources())
}

#[tauri::command]
pub async fn last_purge(state: State<'_, AppState>) -> R<Option<PurgeReport>> {
    state.peek(|z| z.last_purge())
}

/// Every command, for `invoke_handler`.
pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static
{
    tauri::generate_handler![
        app_status,
        regions,
        setup,
        unlock,
        change_passphrase,
        lock,
        settings,
        set_settings,
        card_set,
        search_cards,
        route,
        start_control,
        end_control,
        list_controls,
        record_signal,
        list_signals,
        get_signal,
        save_draft,
        load_draft,
        clear_draft,
        sync_status,
        configure_endpoint,
        enrol,
        sync_now,
        device_identity,
        directory_status,
        preview_directory,
        import_directory,
        send_signals,
        outbox,
        export_bundle,
        export_bundle_as,
        import_bundle,
        inbox,
        incoming,
        view_incoming,
        accept_incoming,
        dismiss_incoming,
        decide_case,
        cases,
        case_detail,
        create_case,
        add_case_signals,
        add_case_note,
        set_case_weging,
        set_case_acute,
        set_case_status,
        record_case_step,
        set_step_outcome,
        forward_case,
        save_route,
        route_versions,
        audit_log,
        verify_audit,
        export_audit,
        export_audit_as,
        last_purge,
        monitor,
        export_monitor,
        export_monitor_as,
        share_monitor,
        regional_sources
    ]
}
