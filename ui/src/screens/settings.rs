//! Instellingen: how long the app may stay idle before the backend locks it, and the retention
//! terms (bewaartermijnen) with the last purge.

use crate::api;
use crate::logic::retention::last_purge_text;
use crate::widgets::{field_error, ErrorAlert, TextField};
use leptos::prelude::*;
use leptos::task::spawn_local;
use zicht_model::{FieldError, Retention, Settings};

/// Parses the minutes input; `None` when it is not a whole number.
pub fn parse_minutes(s: &str) -> Option<u32> {
    s.trim().parse().ok()
}

/// The form's fields as `Settings`, or the field errors of what is not a whole number.
pub fn settings_from_form(
    minutes: &str,
    adviesvraag: &str,
    signaal: &str,
    casus: &str,
) -> Result<Settings, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut number = |field: &str, value: &str, message: &str| {
        parse_minutes(value).unwrap_or_else(|| {
            errors.push(FieldError {
                field: field.into(),
                message: message.into(),
            });
            0
        })
    };
    const MONTHS: &str = "Vul een heel aantal maanden in, tussen 1 en 120.";
    let settings = Settings {
        idle_lock_minutes: number(
            "idle_lock_minutes",
            minutes,
            "Vul een heel aantal minuten in, tussen 1 en 240.",
        ),
        retention: Retention {
            adviesvraag_months: number("retention.adviesvraag_months", adviesvraag, MONTHS),
            signaal_months: number("retention.signaal_months", signaal, MONTHS),
            closed_case_months: number("retention.closed_case_months", casus, MONTHS),
        },
    };
    if errors.is_empty() {
        Ok(settings)
    } else {
        Err(errors)
    }
}

#[component]
pub fn SettingsScreen() -> impl IntoView {
    let minutes = RwSignal::new(String::new());
    let adviesvraag = RwSignal::new(String::new());
    let signaal = RwSignal::new(String::new());
    let casus = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let failure = RwSignal::new(None::<String>);
    let status = RwSignal::new(String::new());
    let last_purge = RwSignal::new(None::<Result<String, String>>);
    let fill = move |s: &Settings| {
        minutes.try_set(s.idle_lock_minutes.to_string());
        adviesvraag.try_set(s.retention.adviesvraag_months.to_string());
        signaal.try_set(s.retention.signaal_months.to_string());
        casus.try_set(s.retention.closed_case_months.to_string());
    };
    spawn_local(async move {
        match api::settings().await {
            Ok(s) => fill(&s),
            Err(e) => {
                failure.try_set(Some(format!(
                    "De instellingen konden niet worden geladen: {}",
                    e.message
                )));
            }
        }
    });
    spawn_local(async move {
        last_purge.try_set(Some(
            api::last_purge()
                .await
                .map(|r| last_purge_text(r.as_ref()))
                .map_err(|e| e.message),
        ));
    });
    let save = move || {
        status.set(String::new());
        failure.set(None);
        let settings = match settings_from_form(
            &minutes.get_untracked(),
            &adviesvraag.get_untracked(),
            &signaal.get_untracked(),
            &casus.get_untracked(),
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
                    errors.try_set(Vec::new());
                    fill(&s);
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
            <section class="zicht-section" aria-labelledby="settings-retention-heading">
                <h2 id="settings-retention-heading" class="utrecht-heading-2">"Bewaartermijnen"</h2>
                <p class="utrecht-paragraph" id="settings-retention-help">
                    "De privacyfunctionaris van de gemeente bepaalt hoe lang Zicht gegevens bewaart. "
                    "Standaard is dat 12 maanden voor een adviesvraag, 24 maanden voor een signaal dat niet bij een casus hoort "
                    "en 60 maanden voor een afgesloten casus met zijn signalen. "
                    "De dag na het verstrijken van de termijn worden de gegevens echt verwijderd: bij het ontgrendelen en daarna eenmaal per dag."
                </p>
                <TextField id="settings-retention-adviesvraag" label="Adviesvraag (maanden na de waarneming)" kind="number"
                    value=adviesvraag error=field_error(errors, "retention.adviesvraag_months")
                    description="Tussen 1 en 120 maanden. Standaard 12."/>
                <TextField id="settings-retention-signaal" label="Signaal zonder casus (maanden na de waarneming)" kind="number"
                    value=signaal error=field_error(errors, "retention.signaal_months")
                    description="Tussen 1 en 120 maanden. Standaard 24."/>
                <TextField id="settings-retention-casus" label="Afgesloten casus (maanden na het afsluiten)" kind="number"
                    value=casus error=field_error(errors, "retention.closed_case_months")
                    description="Tussen 1 en 120 maanden. Standaard 60."/>
                <p class="utrecht-paragraph" id="settings-last-purge">
                    {move || match last_purge.get() {
                        None => "Bezig met laden…".to_string(),
                        Some(Ok(t)) => t,
                        Some(Err(m)) => format!("De laatste opschoning kon niet worden opgehaald: {m}"),
                    }}
                </p>
            </section>
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

    #[test]
    fn the_form_sends_idle_minutes_and_all_three_terms() {
        let s = settings_from_form("15", "6", "18", "48").unwrap();
        assert_eq!(s.idle_lock_minutes, 15);
        assert_eq!(
            s.retention,
            Retention {
                adviesvraag_months: 6,
                signaal_months: 18,
                closed_case_months: 48,
            }
        );
        let e = settings_from_form("x", "6", "", "4,5").unwrap_err();
        let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "idle_lock_minutes",
                "retention.signaal_months",
                "retention.closed_case_months"
            ]
        );
    }
}
