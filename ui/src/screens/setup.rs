//! First-run setup: who uses this device, for which municipality, and the passphrase.

use crate::api;
use crate::ctx::use_ctx;
use crate::dom::focus_id;
use crate::logic::errors::{failure_text, message};
use crate::logic::fields::{error_id, setup_field_input, summary};
use crate::logic::format::choices;
use crate::widgets::{
    field_error, ErrorAlert, ErrorSummary, FieldErrorMessage, SelectField, TextField,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use zicht_model::{FieldError, Region, Role, SetupInput, MIN_PASSPHRASE_CHARS};

#[component]
pub fn Setup() -> impl IntoView {
    let ctx = use_ctx();
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Toezichthouder.wire().to_string());
    let municipality = RwSignal::new(String::new());
    let passphrase = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let regions = RwSignal::new(Vec::<Region>::new());
    let regions_error = RwSignal::new(None::<String>);

    spawn_local(async move {
        match api::regions().await {
            Ok(r) => regions.set(r),
            Err(e) => regions_error.set(Some(failure_text(
                "De lijst met gemeenten kon niet worden geladen",
                &e,
            ))),
        }
    });

    let submit = move || {
        if busy.get_untracked() {
            return;
        }
        let input = SetupInput {
            name: name.get_untracked().trim().to_string(),
            role: Role::from_wire(&role.get_untracked()).unwrap_or(Role::Toezichthouder),
            municipality: municipality.get_untracked(),
            passphrase: passphrase.get_untracked(),
            passphrase_repeat: repeat.get_untracked(),
        };
        busy.set(true);
        failure.set(None);
        spawn_local(async move {
            let result = api::setup(&input).await;
            busy.set(false);
            match result {
                Ok(profile) => ctx.unlocked(profile),
                Err(e) => {
                    if e.fields.is_empty() {
                        failure.set(Some(message(e)));
                        errors.set(Vec::new());
                    } else {
                        let first = e.fields.iter().find_map(|f| setup_field_input(&f.field));
                        errors.set(e.fields);
                        if let Some(id) = first {
                            focus_id(&id);
                        }
                    }
                }
            }
        });
    };

    let summary_items = Signal::derive(move || errors.with(|e| summary(e, setup_field_input)));
    let role_options = choices(Role::ALL, Role::wire, Role::label);
    let muni_error = field_error(errors, "municipality");
    let passphrase_hint: &'static str = Box::leak(
        format!(
            "Minimaal {MIN_PASSPHRASE_CHARS} tekens en moeilijk te raden: gebruik bijvoorbeeld een korte zin van vier of meer woorden. Zonder deze wachtwoordzin zijn de gegevens op dit apparaat niet meer te openen: bewaar hem goed."
        )
        .into_boxed_str(),
    );

    view! {
        <main id="main" class="zicht-single">
            <h1 class="utrecht-heading-1" tabindex="-1">"Zicht instellen"</h1>
            <p class="utrecht-paragraph">
                "Welkom bij Zicht. Stel dit apparaat eenmalig in. Alle gegevens worden versleuteld opgeslagen met uw wachtwoordzin."
            </p>
            {move || regions_error.get().map(|m| view! { <ErrorAlert message=m/> })}
            {move || failure.get().map(|m| view! { <ErrorAlert message=m id="setup-error"/> })}
            <ErrorSummary items=summary_items id="setup-summary"/>
            <form class="utrecht-form" novalidate=true on:submit=move |ev| { ev.prevent_default(); submit(); }>
                <TextField id="setup-name" label="Uw naam" value=name error=field_error(errors, "name") autocomplete="name"
                    description="Zo ziet de aandachtsfunctionaris wie een signaal heeft vastgelegd."/>
                <SelectField id="setup-role" label="Uw rol" value=role options=role_options error=field_error(errors, "role")/>
                <div class=move || if muni_error.with(|e| e.is_some()) {
                    "utrecht-form-field utrecht-form-field--select utrecht-form-field--invalid"
                } else { "utrecht-form-field utrecht-form-field--select" }>
                    <div class="utrecht-form-field__label">
                        <label class="utrecht-form-label" for="setup-municipality">"Gemeente"</label>
                    </div>
                    <FieldErrorMessage input_id="setup-municipality" error=muni_error/>
                    <div class="utrecht-form-field__input">
                        <select id="setup-municipality" name="setup-municipality"
                            class=move || if muni_error.with(|e| e.is_some()) {
                                "utrecht-select utrecht-select--html-select utrecht-select--invalid"
                            } else { "utrecht-select utrecht-select--html-select" }
                            aria-describedby=move || muni_error.with(|e| e.is_some()).then(|| error_id("setup-municipality"))
                            aria-invalid=move || muni_error.with(|e| e.is_some()).then_some("true")
                            on:change=move |ev| municipality.set(event_target_value(&ev))>
                            <option value="" prop:selected=move || municipality.with(|m| m.is_empty())>"Kies uw gemeente"</option>
                            {move || regions.get().into_iter().map(|r| view! {
                                <optgroup label=format!("Regio {}", r.name)>
                                    {r.municipalities.into_iter().map(|m| {
                                        let (m2, text) = (m.clone(), m.clone());
                                        view! { <option value=m prop:selected=move || municipality.with(|cur| *cur == m2)>{text}</option> }
                                    }).collect_view()}
                                </optgroup>
                            }).collect_view()}
                        </select>
                    </div>
                </div>
                <TextField id="setup-passphrase" label="Wachtwoordzin" kind="password" value=passphrase
                    error=field_error(errors, "passphrase") autocomplete="new-password" description=passphrase_hint/>
                <TextField id="setup-passphrase-repeat" label="Herhaal de wachtwoordzin" kind="password" value=repeat
                    error=field_error(errors, "passphrase_repeat") autocomplete="new-password"/>
                <p class="utrecht-paragraph">
                    <button id="setup-submit" type="submit" class="utrecht-button utrecht-button--primary-action">
                        {move || if busy.get() { "Bezig met instellen…" } else { "Zicht instellen" }}
                    </button>
                </p>
            </form>
        </main>
    }
}
