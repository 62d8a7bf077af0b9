//! Instellingen: how long the app may stay idle before the backend locks it.

use crate::api;
use crate::widgets::{field_error, ErrorAlert, TextField};
use leptos::prelude::*;
use leptos::task::spawn_local;
use zicht_model::{FieldError, Settings};

/// Parses the minutes input; `None` when it is not a whole number.
pub fn parse_minutes(s: &str) -> Option<u32> {
    s.trim().parse().ok()
}

#[component]
pub fn SettingsScreen() -> impl IntoView {
    let minutes = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let failure = RwSignal::new(None::<String>);
    let status = RwSignal::new(String::new());
    spawn_local(async move {
        match api::settings().await {
            Ok(s) => {
                minutes.try_set(s.idle_lock_minutes.to_string());
            }
            Err(e) => {
                failure.try_set(Some(format!(
                    "De instellingen konden niet worden geladen: {}",
                    e.message
                )));
            }
        }
    });
    let save = move || {
        status.set(String::new());
        let Some(m) = parse_minutes(&minutes.get_untracked()) else {
            errors.set(vec![FieldError {
                field: "idle_lock_minutes".into(),
                message: "Vul een heel aantal minuten in, tussen 1 en 240.".into(),
            }]);
            return;
        };
        spawn_local(async move {
            match api::set_settings(&Settings {
                idle_lock_minutes: m,
                ..Settings::default()
            })
            .await
            {
                Ok(s) => {
                    errors.try_set(Vec::new());
                    minutes.try_set(s.idle_lock_minutes.to_string());
                    status.try_set("Opgeslagen".into());
                }
                Err(e) if !e.fields.is_empty() => {
                    errors.try_set(e.fields);
                }
                Err(e) => {
                    failure.try_set(Some(e.message));
                }
            }
        });
    };
    view! {
        <h1 class="utrecht-heading-1" tabindex="-1">"Instellingen"</h1>
        {move || failure.get().map(|m| view! { <ErrorAlert message=m/> })}
        <form class="utrecht-form" novalidate=true on:submit=move |ev| { ev.prevent_default(); save(); }>
            <TextField id="settings-idle-lock" label="Automatisch vergrendelen na (minuten)" kind="number" value=minutes
                error=field_error(errors, "idle_lock_minutes")
                description="Zicht vergrendelt zichzelf als u zo lang niets heeft gedaan. Tussen 1 en 240 minuten."/>
            <p class="utrecht-paragraph">
                <button id="settings-save" type="submit" class="utrecht-button utrecht-button--primary-action">"Opslaan"</button>
            </p>
        </form>
        <p id="settings-status" class="zicht-status" role="status" aria-live="polite">{move || status.get()}</p>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_parse() {
        assert_eq!(parse_minutes(" 15 "), Some(15));
        assert_eq!(parse_minutes("1.5"), None);
        assert_eq!(parse_minutes(""), None);
    }
}
