//! The case's signals, and adding one of the device's new signals to the case.

use super::CaseHandle;
use crate::api;
use crate::ctx::{use_ctx, View};
use crate::logic::case::case_signal_heading;
use crate::logic::format::datetime_nl;
use crate::state::FormStatus;
use crate::widgets::{ErrorAlert, SelectField};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeSet;
use zicht_model::{CaseDetail, FieldError, SignalFilter, SignalStatus};

#[component]
pub(super) fn SignalsSection(d: CaseDetail) -> impl IntoView {
    let ctx = use_ctx();
    let missing = d.case.signal_ids.len().saturating_sub(d.signals.len());
    view! {
        <section class="zicht-section" aria-labelledby="case-signals-heading">
            <h2 id="case-signals-heading" class="utrecht-heading-2">"Signalen"</h2>
            {(missing > 0).then(|| view! {
                <p class="utrecht-paragraph">{format!("{missing} signaal/signalen van deze casus zijn niet meer beschikbaar.")}</p>
            })}
            <ul class="utrecht-unordered-list zicht-plain-list" id="case-signal-list">
                {d.signals.into_iter().map(|s| {
                    let sid = s.id.clone();
                    let heading = case_signal_heading(&s);
                    let observation = if s.observation.trim().is_empty() {
                        "Geen waarneming vastgelegd.".to_string()
                    } else {
                        s.observation.clone()
                    };
                    view! {
                        <li class="utrecht-unordered-list__item case-signal-item" data-id=s.id.clone()>
                            <h3 class="utrecht-heading-3">{heading.clone()}</h3>
                            <p class="utrecht-paragraph zicht-multiline">{observation}</p>
                            {s.received_from.clone().map(|r| view! {
                                <p class="utrecht-paragraph">{format!("Ontvangen van {r}")}</p>
                            })}
                            <p class="utrecht-paragraph">
                                <button type="button" class="utrecht-button utrecht-button--secondary-action case-signal-open"
                                    on:click=move |_| ctx.go(View::Detail(sid.clone()))>
                                    "Signaal bekijken" <span class="zicht-visually-hidden">{format!(" ({heading})")}</span>
                                </button>
                            </p>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

/// Adds one of the device's signals that is in no case yet.
#[component]
pub(super) fn AddSignalForm(d: CaseDetail, case: CaseHandle) -> impl IntoView {
    let candidates = RwSignal::new(Vec::<(String, String)>::new());
    let chosen = RwSignal::new(String::new());
    let form = FormStatus::sharing(case.busy);
    let errors = form.errors;
    let in_case: BTreeSet<String> = d.case.signal_ids.iter().cloned().collect();
    spawn_local(async move {
        if let Ok(list) = api::list_signals(&SignalFilter::default()).await {
            candidates.try_set(
                list.into_iter()
                    .filter(|s| !in_case.contains(&s.id) && s.status == SignalStatus::Nieuw)
                    .map(|s| {
                        let label = format!(
                            "{} · {} · {}",
                            datetime_nl(&s.observed_at),
                            s.sector.label(),
                            s.location
                        );
                        (s.id, label)
                    })
                    .collect(),
            );
        }
    });
    let add = move || {
        let id = case.id();
        let sid = chosen.get_untracked();
        if sid.is_empty() {
            errors.set(vec![FieldError {
                field: "signals.0".into(),
                message: "Kies het signaal dat u wilt toevoegen.".into(),
            }]);
            return;
        }
        form.failure.set(None);
        case.act(
            async move { api::add_case_signals(&id, &[sid]).await },
            "case-add-signal",
            move |_| {
                errors.try_set(Vec::new());
                chosen.try_set(String::new());
            },
            move |e| form.failed_at(e, |f| f.starts_with("signals")),
        );
    };
    view! {
        {move || (!candidates.with(Vec::is_empty)).then(|| view! {
            <form class="utrecht-form zicht-section" novalidate=true on:submit=move |ev| { ev.prevent_default(); add(); }>
                <SelectField id="case-add-signal-choice" label="Signaal aan deze casus toevoegen" value=chosen
                    options=candidates.get() error=form.field("signals.0") placeholder="Kies een nieuw signaal"/>
                {move || form.failure.get().map(|m| view! { <ErrorAlert message=m/> })}
                <p class="utrecht-paragraph">
                    <button type="submit" id="case-add-signal" class="utrecht-button utrecht-button--secondary-action"
                        aria-disabled=move || case.busy.get().then_some("true")>"Signaal toevoegen"</button>
                </p>
            </form>
        })}
    }
}
