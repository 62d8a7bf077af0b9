//! Instellingen: how long the app may stay idle before the backend locks it, the retention
//! terms (bewaartermijnen) with the last purge, the threshold for small numbers in the monitor
//! (aard en omvang), and changing the passphrase.

use crate::api;
use crate::dom::focus_id;
use crate::logic::errors::{failure_text, with_reason};
use crate::logic::passphrase::{at_fields, change_field_input, change_from_form, CHANGED};
use crate::logic::retention::last_purge_text;
use crate::logic::settings::settings_from_form;
use crate::state::{load_into, loading, FormStatus, Loaded};
use crate::widgets::{ErrorAlert, TextField, LOADING};
use leptos::prelude::*;
use leptos::task::spawn_local;
use zicht_model::Settings;

#[component]
pub fn SettingsScreen() -> impl IntoView {
    let minutes = RwSignal::new(String::new());
    let adviesvraag = RwSignal::new(String::new());
    let signaal = RwSignal::new(String::new());
    let casus = RwSignal::new(String::new());
    let threshold = RwSignal::new(String::new());
    let form = FormStatus::new();
    let (errors, failure) = (form.errors, form.failure);
    let status = RwSignal::new(String::new());
    let last_purge: Loaded<String> = loading();
    let fill = move |s: &Settings| {
        minutes.try_set(s.idle_lock_minutes.to_string());
        adviesvraag.try_set(s.retention.adviesvraag_months.to_string());
        signaal.try_set(s.retention.signaal_months.to_string());
        casus.try_set(s.retention.closed_case_months.to_string());
        threshold.try_set(s.small_cell_threshold.to_string());
    };
    spawn_local(async move {
        match api::settings().await {
            Ok(s) => fill(&s),
            Err(e) => {
                failure.try_set(Some(failure_text(
                    "De instellingen konden niet worden geladen",
                    &e,
                )));
            }
        }
    });
    load_into(last_purge, async {
        api::last_purge().await.map(|r| last_purge_text(r.as_ref()))
    });
    let save = move || {
        status.set(String::new());
        failure.set(None);
        let settings = match settings_from_form(
            &minutes.get_untracked(),
            &adviesvraag.get_untracked(),
            &signaal.get_untracked(),
            &casus.get_untracked(),
            &threshold.get_untracked(),
        ) {
            Ok(s) => s,
            Err(e) => {
                errors.set(e);
                return;
            }
        };
        spawn_local(async move {
            match api::set_settings(&settings).await {
                Ok(s) => {
                    form.succeeded();
                    fill(&s);
                    status.try_set("Opgeslagen".into());
                }
                Err(e) => form.failed(e, None),
            }
        });
    };
    // Wachtwoord wijzigen: a form of its own, with its own errors and status.
    let current = RwSignal::new(String::new());
    let new_pass = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let pw = FormStatus::new();
    let pw_failure = pw.failure;
    let pw_status = RwSignal::new(String::new());
    let first_error = move |fields: &[zicht_model::FieldError]| {
        if let Some(id) = fields.iter().find_map(|f| change_field_input(&f.field)) {
            focus_id(id);
        }
    };
    let change = move || {
        if !pw.begin() {
            return;
        }
        pw_status.set(String::new());
        let input = match change_from_form(
            &current.get_untracked(),
            &new_pass.get_untracked(),
            &repeat.get_untracked(),
        ) {
            Ok(c) => c,
            Err(e) => {
                pw.busy.set(false);
                first_error(&e);
                pw.errors.set(e);
                return;
            }
        };
        spawn_local(async move {
            match api::change_passphrase(&input).await {
                Ok(()) => {
                    pw.succeeded();
                    for field in [current, new_pass, repeat] {
                        field.try_set(String::new());
                    }
                    pw_status.try_set(CHANGED.into());
                }
                Err(e) => {
                    let e = at_fields(e);
                    first_error(&e.fields);
                    pw.failed_at(e, |f| change_field_input(f).is_some());
                }
            }
        });
    };
    view! {
        <h1 class="utrecht-heading-1" tabindex="-1">"Instellingen"</h1>
        {move || failure.get().map(|m| view! { <ErrorAlert message=m/> })}
        <form class="utrecht-form" novalidate=true on:submit=move |ev| { ev.prevent_default(); save(); }>
            <TextField id="settings-idle-lock" label="Automatisch vergrendelen na (minuten)" kind="number" value=minutes
                error=form.field("idle_lock_minutes")
                description="Zicht vergrendelt zichzelf als u zo lang niets heeft gedaan. Tussen 1 en 240 minuten."/>
            <section class="zicht-section" aria-labelledby="settings-retention-heading">
                <h2 id="settings-retention-heading" class="utrecht-heading-2">"Bewaartermijnen"</h2>
                <p class="utrecht-paragraph" id="settings-retention-help">
                    "De privacyfunctionaris van de gemeente bepaalt hoe lang Zicht gegevens bewaart. "
                    "Standaard is dat 12 maanden voor een adviesvraag, 24 maanden voor een signaal dat niet bij een casus hoort "
                    "en 60 maanden voor een afgesloten casus met zijn signalen. "
                    "De dag na het verstrijken van de termijn worden de gegevens echt verwijderd: bij het ontgrendelen en daarna eenmaal per dag."
                </p>
                <TextField id="settings-retention-adviesvraag" label="Adviesvraag (maanden na de waarneming)" kind="number"
                    value=adviesvraag error=form.field("retention.adviesvraag_months")
                    description="Tussen 1 en 120 maanden. Standaard 12."/>
                <TextField id="settings-retention-signaal" label="Signaal zonder casus (maanden na de waarneming)" kind="number"
                    value=signaal error=form.field("retention.signaal_months")
                    description="Tussen 1 en 120 maanden. Standaard 24."/>
                <TextField id="settings-retention-casus" label="Afgesloten casus (maanden na het afsluiten)" kind="number"
                    value=casus error=form.field("retention.closed_case_months")
                    description="Tussen 1 en 120 maanden. Standaard 60."/>
                <p class="utrecht-paragraph" id="settings-last-purge">
                    {move || match last_purge.get() {
                        None => LOADING.to_string(),
                        Some(Ok(t)) => t,
                        Some(Err(m)) => with_reason("De laatste opschoning kon niet worden opgehaald", &m),
                    }}
                </p>
            </section>
            <section class="zicht-section" aria-labelledby="settings-monitor-heading">
                <h2 id="settings-monitor-heading" class="utrecht-heading-2">"Aard en omvang"</h2>
                <TextField id="settings-small-cell-threshold" label="Drempel voor kleine aantallen" kind="number"
                    value=threshold error=form.field("small_cell_threshold")
                    description="Aantallen van 1 tot deze drempel worden in de cijfers verborgen (bij 5 staat er \"<5\"), zodat niemand herkenbaar is. Tussen 3 en 20. Standaard 5."/>
            </section>
            <p class="utrecht-paragraph">
                <button id="settings-save" type="submit" class="utrecht-button utrecht-button--primary-action">"Opslaan"</button>
            </p>
        </form>
        <p id="settings-status" class="zicht-status" role="status" aria-live="polite">{move || status.get()}</p>
        <section class="zicht-section" aria-labelledby="settings-passphrase-heading">
            <h2 id="settings-passphrase-heading" class="utrecht-heading-2">"Wachtwoord wijzigen"</h2>
            <p class="utrecht-paragraph">
                "Na het wijzigen opent alleen het nieuwe wachtwoord Zicht op dit apparaat; het oude werkt niet meer. "
                "Uw gegevens blijven zoals ze zijn."
            </p>
            {move || pw_failure.get().map(|m| view! { <ErrorAlert message=m/> })}
            <form class="utrecht-form" novalidate=true on:submit=move |ev| { ev.prevent_default(); change(); }>
                <TextField id="settings-passphrase-current" label="Huidig wachtwoord" kind="password" value=current
                    error=pw.field("current") autocomplete="current-password"/>
                <TextField id="settings-passphrase-new" label="Nieuw wachtwoord" kind="password" value=new_pass
                    error=pw.field("passphrase") autocomplete="new-password"
                    description="Minimaal 12 tekens en moeilijk te raden. Gebruik bijvoorbeeld een korte zin van vier of meer woorden."/>
                <TextField id="settings-passphrase-repeat" label="Herhaal het nieuwe wachtwoord" kind="password" value=repeat
                    error=pw.field("passphrase_repeat") autocomplete="new-password"/>
                <p class="utrecht-paragraph">
                    <button id="settings-passphrase-change" type="submit" class="utrecht-button utrecht-button--primary-action"
                        aria-disabled=move || pw.disabled()>"Wachtwoord wijzigen"</button>
                </p>
            </form>
            <p id="settings-passphrase-status" class="zicht-status" role="status" aria-live="polite">{move || pw_status.get()}</p>
        </section>
    }
}
