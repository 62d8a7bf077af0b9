//! Regionaal knooppunt: the sync state, "sync now", and setting the endpoint and enrolling
//! this device.

use crate::api;
use crate::dom::now;
use crate::logic::errors::{alert_message, failure_text};
use crate::logic::exchange::{sync_now_text, sync_status_text, sync_time_text};
use crate::logic::fields::{error_id, message_for};
use crate::state::{every_refresh, load_into, loading, FormStatus, Loaded};
use crate::widgets::{ErrorAlert, FieldErrorMessage, LOADING};
use leptos::prelude::*;
use leptos::task::spawn_local;
use zicht_model::SyncStatus;

/// The endpoint form. Enrolment waits on the network (up to two minutes): one at a time.
#[derive(Clone, Copy)]
struct EndpointForm {
    url: RwSignal<String>,
    key: RwSignal<String>,
    token: RwSignal<String>,
    /// What happened, in a polite live region.
    message: RwSignal<String>,
    form: FormStatus,
}

impl EndpointForm {
    fn new() -> Self {
        EndpointForm {
            url: RwSignal::new(String::new()),
            key: RwSignal::new(String::new()),
            token: RwSignal::new(String::new()),
            message: RwSignal::new(String::new()),
            form: FormStatus::new(),
        }
    }
}

#[component]
pub(super) fn EndpointSection() -> impl IntoView {
    let status: Loaded<SyncStatus> = loading();
    let load = move || load_into(status, api::sync_status());
    load();
    every_refresh(load);
    let EndpointForm {
        url,
        key,
        token,
        message,
        form,
    } = EndpointForm::new();
    let (failure, fields, busy) = (form.failure, form.errors, form.busy);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !form.begin() {
            return;
        }
        message.set("Bezig met opslaan en aanmelden…".into());
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
                Err(e) => failure_text("Synchroniseren kon niet worden gestart", &e),
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
                    None => LOADING.to_string(),
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
