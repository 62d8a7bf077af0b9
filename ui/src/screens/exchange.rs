//! Uitwisseling: the regional endpoint (state, configuration, enrolment), this device's keys,
//! the regional directory, the outbox (with saving a bundle as a file) and the inbox (with
//! reading a received file). The background task in the shell does the syncing; this screen
//! re-reads the state every few seconds.

use crate::api;
use crate::ctx::use_ctx;
use crate::dom::{copy_text, now, picked_file, select_text};
use crate::logic::errors::{alert_message, export_failure_text};
use crate::logic::exchange::{
    directory_imported_text, file_too_large, identity_json, import_result_text, is_me, me_text,
    outbox_state_text, outbox_waiting_hint, payload_kind_text, size_text, sync_now_text,
    sync_status_text, sync_time_text, MAX_BUNDLE_FILE, MAX_DIRECTORY_FILE,
};
use crate::logic::fields::{error_id, message_for};
use crate::logic::format::{count_text, datetime_nl, forms_text};
use crate::state::every_refresh;
use crate::widgets::{DataItem, ErrorAlert, FieldErrorMessage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;
use zicht_model::{
    DeviceIdentity, DirectoryPreview, DirectoryStatus, FieldError, InboxItem, OutboxItem, Signal,
};

/// What could not be read from a chosen file.
const UNREADABLE: &str = "Het bestand kon niet worden gelezen. Kies het opnieuw.";

type Loaded<T> = RwSignal<Option<Result<T, String>>>;

#[component]
pub fn ExchangeScreen() -> impl IntoView {
    view! {
        <h1 class="utrecht-heading-1" tabindex="-1">"Uitwisseling"</h1>
        <EndpointSection/>
        <DeviceSection/>
        <RegionSection/>
        <OutboxSection/>
        <InboxSection/>
    }
}

// ---------------------------------------------------------------------------------------------
// Regionaal knooppunt

#[component]
fn EndpointSection() -> impl IntoView {
    let status = RwSignal::new(None::<Result<zicht_model::SyncStatus, String>>);
    let load = move || {
        spawn_local(async move {
            status.try_set(Some(api::sync_status().await.map_err(|e| e.message)));
        })
    };
    load();
    every_refresh(load);
    let url = RwSignal::new(String::new());
    let key = RwSignal::new(String::new());
    let token = RwSignal::new(String::new());
    let message = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<String>);
    let fields = RwSignal::new(Vec::<FieldError>::new());
    // Enrolment waits on the network (up to two minutes): one at a time.
    let busy = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        message.set("Bezig met opslaan en aanmelden…".into());
        failure.set(None);
        fields.set(Vec::new());
        let (u, k, t) = (
            url.get_untracked(),
            key.get_untracked(),
            token.get_untracked(),
        );
        spawn_local(async move {
            let r = match api::configure_endpoint(&u, &k).await {
                Ok(_) if t.trim().is_empty() => Ok(
                    "Knooppunt ingesteld. Vul een aanmeldcode in om dit apparaat aan te melden."
                        .to_string(),
                ),
                Ok(_) => api::enrol(&t)
                    .await
                    .map(|_| "Dit apparaat is aangemeld bij het regionale knooppunt.".to_string()),
                Err(e) => Err(e),
            };
            match r {
                Ok(m) => {
                    message.try_set(m);
                    token.try_set(String::new());
                }
                Err(e) => {
                    message.try_set(String::new());
                    // Messages for the two fields go next to them; any other in the alert.
                    failure.try_set(Some(alert_message(&e, |f| {
                        f == "url" || f == "endpoint_key"
                    })));
                    fields.try_set(e.fields);
                }
            }
            busy.try_set(false);
            load();
        });
    };
    let sync_message = RwSignal::new(String::new());
    let sync = move |_| {
        let before = status.get_untracked().and_then(|s| s.ok()).map(|s| s.state);
        spawn_local(async move {
            sync_message.try_set(match api::sync_now().await {
                Ok(()) => sync_now_text(before, &now()),
                Err(e) => format!("Synchroniseren kon niet worden gestart: {}", e.message),
            });
        });
    };
    let url_error = move || fields.with(|f| message_for(f, "url"));
    let key_error = move || fields.with(|f| message_for(f, "endpoint_key"));
    view! {
        <section class="zicht-section" aria-labelledby="endpoint-heading">
            <h2 id="endpoint-heading" class="utrecht-heading-2">"Regionaal knooppunt"</h2>
            <p class="utrecht-paragraph" id="sync-status" role="status" aria-live="polite">
                {move || match status.get() {
                    None => "Bezig met laden…".to_string(),
                    Some(Err(m)) => m,
                    Some(Ok(s)) => sync_status_text(&s),
                }}
            </p>
            <p class="utrecht-paragraph" id="sync-time">
                {move || status.get().and_then(|s| s.ok()).and_then(|s| sync_time_text(&s))}
            </p>
            <p class="utrecht-paragraph">
                <button type="button" id="sync-now" class="utrecht-button utrecht-button--secondary-action" on:click=sync>"Nu synchroniseren"</button>
            </p>
            <p id="sync-now-message" class="zicht-status" role="status" aria-live="polite">{move || sync_message.get()}</p>
            <details class="zicht-details">
                <summary id="endpoint-setup">"Knooppunt instellen en dit apparaat aanmelden"</summary>
                <form class="zicht-form" on:submit=save novalidate=true>
                    <div class="utrecht-form-field utrecht-form-field--text">
                        <div class="utrecht-form-field__label"><label class="utrecht-form-label" for="endpoint-url">"Adres van het knooppunt"</label></div>
                        <div class="utrecht-form-field__input">
                            <input id="endpoint-url" type="url" class="utrecht-textbox utrecht-textbox--html-input" autocomplete="off"
                                aria-invalid=move || url_error().map(|_| "true")
                                aria-describedby=move || url_error().map(|_| error_id("endpoint-url"))
                                prop:value=move || url.get() on:input=move |e| url.set(event_target_value(&e))/>
                        </div>
                        <FieldErrorMessage input_id="endpoint-url" error=leptos::prelude::Signal::derive(url_error)/>
                    </div>
                    <div class="utrecht-form-field utrecht-form-field--text">
                        <div class="utrecht-form-field__label"><label class="utrecht-form-label" for="endpoint-key">"Sleutel van het knooppunt (64 tekens, van de coördinator)"</label></div>
                        <div class="utrecht-form-field__input">
                            <input id="endpoint-key" type="text" class="utrecht-textbox utrecht-textbox--html-input zicht-key" autocomplete="off" spellcheck="false"
                                aria-invalid=move || key_error().map(|_| "true")
                                aria-describedby=move || key_error().map(|_| error_id("endpoint-key"))
                                prop:value=move || key.get() on:input=move |e| key.set(event_target_value(&e))/>
                        </div>
                        <FieldErrorMessage input_id="endpoint-key" error=leptos::prelude::Signal::derive(key_error)/>
                    </div>
                    <div class="utrecht-form-field utrecht-form-field--text">
                        <div class="utrecht-form-field__label"><label class="utrecht-form-label" for="enrol-token">"Aanmeldcode (eenmalig, van de coördinator)"</label></div>
                        <div class="utrecht-form-field__input">
                            <input id="enrol-token" type="text" class="utrecht-textbox utrecht-textbox--html-input" autocomplete="off" spellcheck="false"
                                prop:value=move || token.get() on:input=move |e| token.set(event_target_value(&e))/>
                        </div>
                    </div>
                    <p class="utrecht-paragraph">
                        <button type="submit" id="endpoint-save" class="utrecht-button utrecht-button--primary-action"
                            aria-disabled=move || busy.get().then_some("true")>"Opslaan en aanmelden"</button>
                    </p>
                </form>
                <p id="endpoint-message" class="zicht-status" role="status" aria-live="polite">{move || message.get()}</p>
                {move || failure.get().map(|m| view! { <ErrorAlert id="endpoint-error" message=m/> })}
            </details>
        </section>
    }
}

fn loading() -> AnyView {
    view! { <p class="utrecht-paragraph" role="status">"Bezig met laden…"</p> }.into_any()
}

// ---------------------------------------------------------------------------------------------
// Dit apparaat

#[component]
fn DeviceSection() -> impl IntoView {
    let ident: Loaded<DeviceIdentity> = RwSignal::new(None);
    spawn_local(async move {
        ident.try_set(Some(api::device_identity().await.map_err(|e| e.message)));
    });
    view! {
        <section class="zicht-section" aria-labelledby="device-heading">
            <h2 id="device-heading" class="utrecht-heading-2">"Dit apparaat"</h2>
            {move || match ident.get() {
                None => loading(),
                Some(Err(m)) => view! { <ErrorAlert message=format!("De sleutels van dit apparaat konden niet worden opgehaald: {m}")/> }.into_any(),
                Some(Ok(id)) => view! { <DeviceView id=id/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn DeviceView(id: DeviceIdentity) -> impl IntoView {
    let json = identity_json(&id);
    let shown = RwSignal::new(false);
    let copy_status = RwSignal::new(String::new());
    let copy = {
        let json = json.clone();
        move |_| {
            // The clipboard call must happen during the click.
            let done = copy_text(&json);
            shown.set(true);
            copy_status.set(String::new());
            spawn_local(async move {
                if done.await {
                    copy_status.try_set(
                        "De sleutels staan op het klembord. Plak ze in een bericht aan de regiocoördinator."
                            .into(),
                    );
                } else {
                    copy_status.try_set(
                        "Kopiëren naar het klembord lukte niet. De regel hieronder is geselecteerd: kopieer hem met Ctrl+C."
                            .into(),
                    );
                    select_text("device-json");
                }
            });
        }
    };
    view! {
        <p class="utrecht-paragraph" id="device-fingerprint-label">"Vingerafdruk van dit apparaat:"</p>
        <p class="zicht-fingerprint" id="device-fingerprint">{id.fingerprint.clone()}</p>
        <p class="utrecht-paragraph" id="device-fingerprint-help">
            "Vergelijk deze zes groepen van vijf cijfers telefonisch met de regiocoördinator: lees ze hardop voor en laat de coördinator meelezen. "
            "Alleen als alle cijfers kloppen, mag de coördinator dit apparaat opnemen in het deelnemersoverzicht."
        </p>
        <dl class="utrecht-data-list zicht-data-list">
            <DataItem key="Ondertekeningssleutel (Ed25519)">
                <code class="zicht-key" id="device-signing-key">{id.signing_key.clone()}</code>
            </DataItem>
            <DataItem key="Versleutelingssleutel (X25519)">
                <code class="zicht-key" id="device-encryption-key">{id.encryption_key.clone()}</code>
            </DataItem>
        </dl>
        <p class="utrecht-paragraph">
            <button type="button" id="device-copy" class="utrecht-button utrecht-button--secondary-action"
                on:click=copy>"Sleutels kopiëren voor de regiocoördinator"</button>
        </p>
        <p id="device-copy-status" class="zicht-status" role="status" aria-live="polite">{move || copy_status.get()}</p>
        {move || shown.get().then(|| {
            let json = json.clone();
            view! {
                <div class="utrecht-form-field utrecht-form-field--textarea">
                    <div class="utrecht-form-field__label">
                        <label class="utrecht-form-label" for="device-json">"Sleutels als JSON-regel, voor de regiocoördinator"</label>
                    </div>
                    <div class="utrecht-form-field__input">
                        <textarea id="device-json" class="utrecht-textarea utrecht-textarea--html-textarea utrecht-textarea--readonly zicht-key"
                            rows="4" readonly=true prop:value=json></textarea>
                    </div>
                </div>
            }
        })}
    }
}

// ---------------------------------------------------------------------------------------------
// Regio

#[component]
fn RegionSection() -> impl IntoView {
    let dir: Loaded<Option<DirectoryStatus>> = RwSignal::new(None);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    spawn_local(async move {
        dir.try_set(Some(api::directory_status().await.map_err(|e| e.message)));
    });
    // A first directory waiting for the user to confirm its root fingerprint.
    let pending = RwSignal::new(None::<(String, DirectoryPreview)>);
    let import = move |text: String, confirmed: Option<String>| async move {
        match api::import_directory(&text, confirmed.as_deref()).await {
            Ok(st) => {
                outcome.try_set(Some(Ok(directory_imported_text(&st))));
                dir.try_set(Some(Ok(Some(st))));
            }
            Err(e) => {
                outcome.try_set(Some(Err(format!(
                    "Het deelnemersoverzicht is niet ingelezen: {}",
                    e.message
                ))));
            }
        }
    };
    let on_file = move |ev: leptos::ev::Event| {
        let Some(file) = picked_file(&ev) else {
            return;
        };
        if let Some(m) = file_too_large(file.size, MAX_DIRECTORY_FILE) {
            outcome.set(Some(Err(m)));
            return;
        }
        outcome.set(None);
        spawn_local(async move {
            let Ok(text) = file.text().await else {
                outcome.try_set(Some(Err(UNREADABLE.into())));
                return;
            };
            match api::preview_directory(&text).await {
                // Signed by the root this device already trusts: import at once.
                Ok(p) if p.pinned => import(text, None).await,
                // The first directory: the user compares the root fingerprint first.
                Ok(p) => {
                    pending.try_set(Some((text, p)));
                }
                Err(e) => {
                    outcome.try_set(Some(Err(format!(
                        "Het deelnemersoverzicht is niet ingelezen: {}",
                        e.message
                    ))));
                }
            }
        });
    };
    let confirm = move |_| {
        let Some((text, p)) = pending.get_untracked() else {
            return;
        };
        pending.set(None);
        spawn_local(async move { import(text, Some(p.root_fingerprint)).await });
    };
    let reject = move |_| {
        pending.set(None);
        outcome.set(Some(Err(
            "Niet ingelezen. Vraag de regiocoördinator om het juiste bestand en vergelijk de vingerafdruk opnieuw."
                .into(),
        )));
    };
    view! {
        <section class="zicht-section" aria-labelledby="region-heading">
            <h2 id="region-heading" class="utrecht-heading-2">"Regio"</h2>
            {move || match dir.get() {
                None => loading(),
                Some(Err(m)) => view! { <ErrorAlert message=format!("Het deelnemersoverzicht kon niet worden geladen: {m}")/> }.into_any(),
                Some(Ok(None)) => view! {
                    <p class="utrecht-paragraph" id="directory-none">
                        "Er is nog geen deelnemersoverzicht van de regio ingelezen. Zonder dat overzicht kunt u geen signalen versturen of ontvangen. "
                        "U krijgt het bestand van de regiocoördinator."
                    </p>
                }.into_any(),
                Some(Ok(Some(d))) => view! { <DirectoryView dir=d/> }.into_any(),
            }}
            <div class="utrecht-form-field utrecht-form-field--text">
                <div class="utrecht-form-field__label">
                    <label class="utrecht-form-label" for="directory-file">"Deelnemersoverzicht inlezen"</label>
                </div>
                <div class="utrecht-form-field__description utrecht-form-field-description" id="directory-file-description">
                    "Kies het bestand van de regiocoördinator (bijvoorbeeld deelnemers.json). "
                    "Het eerste overzicht legt de regiosleutel vast; daarna leest Zicht alleen nieuwere overzichten in die met dezelfde sleutel zijn ondertekend."
                </div>
                <div class="utrecht-form-field__input">
                    <input type="file" id="directory-file" name="directory-file" accept=".json,application/json"
                        class="zicht-file-input" aria-describedby="directory-file-description" on:change=on_file/>
                </div>
            </div>
            {move || pending.get().map(|(_, p)| view! {
                <div id="directory-confirm" class="utrecht-alert utrecht-alert--warning zicht-alert" role="group"
                    aria-labelledby="directory-confirm-heading">
                    <div class="utrecht-alert__content"><div class="utrecht-alert__message">
                        <h3 id="directory-confirm-heading" class="utrecht-heading-3">"Vergelijk de vingerafdruk van de regio"</h3>
                        <p class="utrecht-paragraph">
                            {format!("Dit is het eerste deelnemersoverzicht op dit apparaat: {} (versie {}, {} deelnemers). ", p.region, p.version, p.participants)}
                            "Het legt de sleutel van de regio vast; daarna vertrouwt Zicht alleen overzichten met deze sleutel. "
                            "Vergelijk de vingerafdruk hieronder (bijvoorbeeld telefonisch) met die van de regiocoördinator."
                        </p>
                        <p class="utrecht-paragraph zicht-fingerprint" id="directory-root-fingerprint">{p.root_fingerprint.clone()}</p>
                        <p class="utrecht-paragraph">
                            <button id="directory-confirm-yes" type="button" class="utrecht-button utrecht-button--primary-action"
                                on:click=confirm>"Klopt: overzicht inlezen"</button>
                            " "
                            <button id="directory-confirm-no" type="button" class="utrecht-button utrecht-button--secondary-action"
                                on:click=reject>"Klopt niet: niet inlezen"</button>
                        </p>
                    </div></div>
                </div>
            })}
            <Outcome outcome=outcome id="directory-import-result"/>
        </section>
    }
}

/// The result of an import: success in a polite live region, an error as an alert.
#[component]
fn Outcome(outcome: RwSignal<Option<Result<String, String>>>, id: &'static str) -> impl IntoView {
    view! {
        <div role="status" aria-live="polite">
            {move || match outcome.get() {
                Some(Ok(m)) => Some(view! {
                    <div id=id class="utrecht-alert utrecht-alert--ok zicht-alert">
                        <div class="utrecht-alert__content"><div class="utrecht-alert__message">
                            <p class="utrecht-paragraph">{m}</p>
                        </div></div>
                    </div>
                }),
                _ => None,
            }}
        </div>
        {move || match outcome.get() {
            Some(Err(m)) => Some(view! { <ErrorAlert id=id message=m/> }),
            _ => None,
        }}
    }
}

#[component]
fn DirectoryView(dir: DirectoryStatus) -> impl IntoView {
    let rows: Vec<_> = dir
        .participants
        .iter()
        .map(|p| (p.clone(), is_me(&dir, p)))
        .collect();
    let me = me_text(&dir);
    let region = dir.region;
    let version = dir.version;
    let root = dir.root_fingerprint;
    view! {
        <dl class="utrecht-data-list zicht-data-list" id="directory-status">
            <DataItem key="Regio">{region}</DataItem>
            <DataItem key="Versie">{version}</DataItem>
            <DataItem key="Vingerafdruk regiosleutel">
                <span class="zicht-fingerprint-small" id="directory-root-fingerprint">{root}</span>
                <br/>"Vergelijk ook deze cijfers telefonisch met de regiocoördinator."
            </DataItem>
            <DataItem key="Dit apparaat staat in het overzicht">
                <span id="directory-me">{me}</span>
            </DataItem>
        </dl>
        <div class="zicht-table-scroll" role="region" aria-label="Deelnemers van de regio" tabindex="0">
            <table class="utrecht-table utrecht-table--html-table zicht-table" id="directory-participants">
            <caption class="utrecht-table__caption">{format!("Deelnemers ({})", rows.len())}</caption>
            <thead class="utrecht-table__header">
                <tr class="utrecht-table__row">
                    <th class="utrecht-table__header-cell" scope="col">"Naam"</th>
                    <th class="utrecht-table__header-cell" scope="col">"Rol"</th>
                    <th class="utrecht-table__header-cell" scope="col">"Gemeente"</th>
                </tr>
            </thead>
            <tbody class="utrecht-table__body">
                {rows.into_iter().map(|(p, me)| view! {
                    <tr class="utrecht-table__row directory-row" data-id=p.id.clone()>
                        <td class="utrecht-table__cell">
                            {p.display_name.clone()}
                            {me.then_some(" (dit apparaat)")}
                        </td>
                        <td class="utrecht-table__cell">{p.role.label()}</td>
                        <td class="utrecht-table__cell">{p.municipality.clone()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
            </div>
    }
}

// ---------------------------------------------------------------------------------------------
// Verzenden

#[component]
fn OutboxSection() -> impl IntoView {
    let items: Loaded<Vec<OutboxItem>> = RwSignal::new(None);
    let hint = RwSignal::new(None::<&'static str>);
    let load = move || {
        spawn_local(async move {
            let fresh = Some(api::outbox().await.map_err(|e| e.message));
            let why = match (&fresh, api::sync_status().await) {
                (Some(Ok(list)), Ok(s)) => outbox_waiting_hint(&s, list),
                _ => None,
            };
            // Only re-render when something changed (keeps focus and the reader's place).
            // try_: the screen may be gone by the time the answer comes.
            if items.try_with_untracked(|v| *v != fresh) == Some(true) {
                items.try_set(fresh);
            }
            if hint.try_with_untracked(|v| *v != why) == Some(true) {
                hint.try_set(why);
            }
        })
    };
    load();
    every_refresh(load);
    // Where each bundle was saved (by bundle id), and the latest save in words.
    let saved = RwSignal::new(BTreeMap::<String, String>::new());
    let status = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<String>);
    // One export at a time (the "save as" dialog waits for the user).
    let exporting = RwSignal::new(false);
    // `ask`: choose the place in the "save as" dialog; else straight to the download folder.
    let export = move |id: String, ask: bool| {
        if exporting.get_untracked() {
            return;
        }
        exporting.set(true);
        status.set(String::new());
        failure.set(None);
        spawn_local(async move {
            let saved_at = if ask {
                api::export_bundle_as(&id).await
            } else {
                api::export_bundle(&id).await.map(Some)
            };
            match saved_at {
                Ok(None) => {
                    status.try_set("Niet opgeslagen: u heeft het venster gesloten.".into());
                }
                Ok(Some(path)) => {
                    status.try_set(format!("Opgeslagen als {path}"));
                    saved.try_update(|s| {
                        s.insert(id, path);
                    });
                }
                Err(e) => {
                    failure.try_set(Some(export_failure_text(
                        "Opslaan als bestand is mislukt",
                        &e,
                    )));
                }
            }
            exporting.try_set(false);
        });
    };
    view! {
        <section class="zicht-section" aria-labelledby="outbox-heading">
            <h2 id="outbox-heading" class="utrecht-heading-2">"Verzenden"</h2>
            <p class="utrecht-paragraph">
                "Verstuurde signalen wachten hier op een verbinding met het regionale knooppunt. "
                "U kunt een bundel ook als bestand opslaan en dat zelf naar de ontvanger brengen. "
                "Het bestand is versleuteld: alleen de gekozen ontvangers kunnen het openen."
            </p>
            {move || hint.get().map(|h| view! { <p class="utrecht-paragraph" id="outbox-hint">{h}</p> })}
            <p id="outbox-status" class="zicht-status" role="status" aria-live="polite">{move || status.get()}</p>
            {move || failure.get().map(|m| view! { <ErrorAlert id="outbox-error" message=m/> })}
            {move || match items.get() {
                None => loading(),
                Some(Err(m)) => view! { <ErrorAlert message=format!("De verzendlijst kon niet worden geladen: {m}")/> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="utrecht-paragraph" id="outbox">"Er staat niets klaar om te verzenden. Versturen doet u vanuit een signaal."</p>
                }.into_any(),
                Some(Ok(list)) => view! {
                    <div class="zicht-table-scroll" role="region" aria-label="Verzendlijst" tabindex="0">
            <table class="utrecht-table utrecht-table--html-table zicht-table" id="outbox">
                        <thead class="utrecht-table__header">
                            <tr class="utrecht-table__row">
                                <th class="utrecht-table__header-cell" scope="col">"Aangemaakt"</th>
                                <th class="utrecht-table__header-cell" scope="col">"Ontvangers"</th>
                                <th class="utrecht-table__header-cell utrecht-table__header-cell--numeric-column" scope="col">"Signalen"</th>
                                <th class="utrecht-table__header-cell utrecht-table__header-cell--numeric-column" scope="col">"Grootte"</th>
                                <th class="utrecht-table__header-cell" scope="col">"Status"</th>
                                <th class="utrecht-table__header-cell" scope="col">"Bestand"</th>
                            </tr>
                        </thead>
                        <tbody class="utrecht-table__body">
                            {list.into_iter().map(|item| {
                                let id = item.id.clone();
                                let id_as = item.id.clone();
                                let id2 = item.id.clone();
                                let created = datetime_nl(&item.created_at);
                                let path = move || saved.with(|s| s.get(&id2).cloned());
                                let exported = item.exported_at.map(|t| format!("Als bestand opgeslagen op {}.", datetime_nl(&t)));
                                view! {
                                    <tr class="utrecht-table__row outbox-row" data-id=item.id.clone()>
                                        <td class="utrecht-table__cell">{created.clone()}</td>
                                        <td class="utrecht-table__cell">{item.recipients.join(", ")}</td>
                                        <td class="utrecht-table__cell utrecht-table__cell--numeric-data">{item.signal_ids.len()}</td>
                                        <td class="utrecht-table__cell utrecht-table__cell--numeric-data">{size_text(item.size)}</td>
                                        <td class="utrecht-table__cell outbox-state">{outbox_state_text(&item.state)}</td>
                                        <td class="utrecht-table__cell">
                                            <button type="button" class="utrecht-button utrecht-button--secondary-action outbox-export"
                                                aria-disabled=move || exporting.get().then_some("true")
                                                on:click=move |_| export(id.clone(), false)>
                                                "Opslaan in Downloads"
                                                <span class="zicht-visually-hidden">{format!(" (bundel van {created})")}</span>
                                            </button>
                                            " "
                                            <button type="button" class="utrecht-button utrecht-button--secondary-action outbox-export-as"
                                                aria-disabled=move || exporting.get().then_some("true")
                                                on:click=move |_| export(id_as.clone(), true)>
                                                "Opslaan als…"
                                                <span class="zicht-visually-hidden">{format!(" (bundel van {created}, kies de plek, bijvoorbeeld een USB-stick)")}</span>
                                            </button>
                                            {exported.map(|t| view! { <p class="utrecht-paragraph outbox-exported">{t}</p> })}
                                            {move || path().map(|p| view! {
                                                <p class="utrecht-paragraph outbox-saved">"Opgeslagen als " <code class="zicht-key">{p}</code></p>
                                            })}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
            </div>
                }.into_any(),
            }}
        </section>
    }
}

// ---------------------------------------------------------------------------------------------
// Ontvangen

#[component]
fn InboxSection() -> impl IntoView {
    let items: Loaded<Vec<InboxItem>> = RwSignal::new(None);
    let reload = move || {
        spawn_local(async move {
            items.try_set(Some(api::inbox().await.map_err(|e| e.message)));
        });
    };
    reload();
    // Bundles the background sync receives appear without reopening the screen.
    every_refresh(move || {
        spawn_local(async move {
            let fresh = Some(api::inbox().await.map_err(|e| e.message));
            // try_: the screen may be gone by the time the answer comes.
            if items.try_with_untracked(|v| *v != fresh) == Some(true) {
                items.try_set(fresh);
            }
        })
    });
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let on_file = move |ev: leptos::ev::Event| {
        let Some(file) = picked_file(&ev) else {
            return;
        };
        if let Some(m) = file_too_large(file.size, MAX_BUNDLE_FILE) {
            outcome.set(Some(Err(m)));
            return;
        }
        outcome.set(None);
        spawn_local(async move {
            let Ok(bytes) = file.bytes().await else {
                outcome.try_set(Some(Err(UNREADABLE.into())));
                return;
            };
            match api::import_bundle(&bytes).await {
                Ok(r) => {
                    outcome.try_set(Some(Ok(import_result_text(&r))));
                    reload();
                }
                Err(e) => {
                    outcome.try_set(Some(Err(format!(
                        "Het bestand is niet ingelezen: {}",
                        e.message
                    ))));
                }
            }
        });
    };
    view! {
        <section class="zicht-section" aria-labelledby="inbox-heading">
            <h2 id="inbox-heading" class="utrecht-heading-2">"Ontvangen"</h2>
            <div class="utrecht-form-field utrecht-form-field--text">
                <div class="utrecht-form-field__label">
                    <label class="utrecht-form-label" for="bundle-file">"Ontvangen bestand inlezen (.zicht)"</label>
                </div>
                <div class="utrecht-form-field__description utrecht-form-field-description" id="bundle-file-description">
                    "Zicht controleert of de afzender in het deelnemersoverzicht staat en of het bestand onderweg niet is gewijzigd. "
                    "Hetzelfde bestand twee keer inlezen verandert niets."
                </div>
                <div class="utrecht-form-field__input">
                    <input type="file" id="bundle-file" name="bundle-file" accept=".zicht"
                        class="zicht-file-input" aria-describedby="bundle-file-description" on:change=on_file/>
                </div>
            </div>
            <Outcome outcome=outcome id="bundle-import-result"/>
            {move || match items.get() {
                None => loading(),
                Some(Err(m)) => view! { <ErrorAlert message=format!("De ontvangen signalen konden niet worden geladen: {m}")/> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="utrecht-paragraph" id="inbox">"Nog niets ontvangen."</p>
                }.into_any(),
                Some(Ok(list)) => view! {
                    <div class="zicht-table-scroll" role="region" aria-label="Ontvangen bundels" tabindex="0">
            <table class="utrecht-table utrecht-table--html-table zicht-table" id="inbox">
                        <thead class="utrecht-table__header">
                            <tr class="utrecht-table__row">
                                <th class="utrecht-table__header-cell" scope="col">"Ontvangen op"</th>
                                <th class="utrecht-table__header-cell" scope="col">"Afzender"</th>
                                <th class="utrecht-table__header-cell utrecht-table__header-cell--numeric-column" scope="col">"Signalen"</th>
                                <th class="utrecht-table__header-cell" scope="col">"Inhoud"</th>
                            </tr>
                        </thead>
                        <tbody class="utrecht-table__body">
                            {list.into_iter().map(|item| view! { <InboxRow item=item/> }).collect_view()}
                        </tbody>
                    </table>
            </div>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn InboxRow(item: InboxItem) -> impl IntoView {
    let ctx = use_ctx();
    // Opening the content is a view of personal data: the backend records it in the audit log.
    let bundle_id = item.id.clone();
    let on_toggle = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let opened = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|e| e.has_attribute("open"));
        if opened {
            let id = bundle_id.clone();
            spawn_local(async move {
                if let Err(e) = api::view_incoming(&id).await {
                    ctx.error("Inzien vastleggen in het auditlog mislukte", &e);
                }
            });
        }
    };
    let received = datetime_nl(&item.received_at);
    let sender = item.sender;
    let kind = payload_kind_text(&item.payload);
    let signals = item.payload.signals;
    let n = signals.len();
    view! {
        <tr class="utrecht-table__row inbox-row" data-id=item.id.clone()>
            <td class="utrecht-table__cell">{received.clone()}</td>
            <td class="utrecht-table__cell">
                {sender.display_name.clone()}<br/>
                {format!("{}, {}", sender.role.label(), sender.municipality)}
            </td>
            <td class="utrecht-table__cell utrecht-table__cell--numeric-data">{n}</td>
            <td class="utrecht-table__cell">
                {kind.map(|k| view! { <p class="utrecht-paragraph inbox-kind">{k}</p> })}
                // A decision carries no signals: nothing to open (and no view to record).
                {(n > 0).then(move || view! {
                    <details class="zicht-details inbox-details" on:toggle=on_toggle>
                        <summary class="zicht-details__summary">
                            {format!("{} bekijken", count_text(n, "signaal", "signalen"))}
                            <span class="zicht-visually-hidden">{format!(" (van {}, ontvangen op {received})", sender.display_name)}</span>
                        </summary>
                        {signals.into_iter().map(|s| view! { <InboxSignal signal=s/> }).collect_view()}
                    </details>
                })}
            </td>
        </tr>
    }
}

#[component]
fn InboxSignal(signal: Signal) -> impl IntoView {
    let s = signal;
    let location = if s.location.description.is_empty() {
        "Niet opgegeven".to_string()
    } else {
        s.location.description.clone()
    };
    view! {
        <div class="zicht-inbox-signal inbox-signal" data-id=s.id.clone()>
            <p class="utrecht-paragraph"><strong>{format!("{} van {}", s.kind.label(), datetime_nl(&s.observed_at))}</strong></p>
            <dl class="zicht-plain-list">
                <dt>"Urgentie"</dt><dd>{s.urgency.label()}</dd>
                <dt>"Waarneming"</dt><dd class="zicht-multiline">{s.observation.clone()}</dd>
                <dt>"Vormen van uitbuiting"</dt><dd>{forms_text(&s.forms)}</dd>
                <dt>"Sector"</dt><dd>{s.sector.label()}</dd>
                <dt>"Locatie"</dt><dd>{location}</dd>
                <dt>"Gemeente"</dt><dd>{s.municipality.clone()}</dd>
                <dt>"Indicatoren"</dt><dd>{count_text(s.indicators.len(), "indicator aangevinkt", "indicatoren aangevinkt")}</dd>
            </dl>
        </div>
    }
}
