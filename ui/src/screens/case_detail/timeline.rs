//! The case's timeline of steps, with the outcome of a contact step still to fill in.

use super::CaseHandle;
use crate::api;
use crate::logic::case::{basis_text, step_kind_text};
use crate::logic::errors::fields_or_message;
use crate::logic::format::datetime_nl;
use crate::widgets::{field_error, TextAreaField};
use leptos::prelude::*;
use zicht_model::{CaseDetail, FieldError, StepKind};

#[component]
pub(super) fn TimelineSection(d: CaseDetail, case: CaseHandle) -> impl IntoView {
    view! {
        <section class="zicht-section" aria-labelledby="case-timeline-heading">
            <h2 id="case-timeline-heading" class="utrecht-heading-2">"Tijdlijn"</h2>
            <ol class="utrecht-ordered-list" id="case-timeline">
                {d.case.steps.into_iter().enumerate().map(|(i, s)| {
                    let open_outcome = s.kind == StepKind::Contact && s.outcome.is_none();
                    let head = format!("{} · {} · {}", datetime_nl(&s.at), s.by, step_kind_text(&s));
                    view! {
                        <li class="utrecht-ordered-list__item case-step">
                            <p class="utrecht-paragraph"><strong>{head}</strong></p>
                            {(!s.reason.trim().is_empty()).then(|| view! {
                                <p class="utrecht-paragraph zicht-multiline">{format!("Waarom: {}", s.reason)}</p>
                            })}
                            {s.outcome.clone().map(|o| view! {
                                <p class="utrecht-paragraph zicht-multiline">{format!("Uitkomst: {o}")}</p>
                            })}
                            {s.legal_basis.as_ref().map(|b| view! {
                                <p class="utrecht-paragraph case-step-basis">{basis_text(b)}</p>
                            })}
                            {open_outcome.then(|| view! { <OutcomeForm index=i case=case/> })}
                        </li>
                    }
                }).collect_view()}
            </ol>
        </section>
    }
}

/// Fills in the outcome of a contact step that has none yet.
#[component]
fn OutcomeForm(index: usize, case: CaseHandle) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let field_id = format!("step-outcome-{index}");
    let save = move || {
        let id = case.id();
        let outcome = text.get_untracked();
        case.act(
            async move { api::set_step_outcome(&id, index, &outcome).await },
            "case-timeline-heading",
            move |_| {
                errors.try_set(Vec::new());
            },
            move |e| {
                errors.try_set(fields_or_message(e, "outcome"));
            },
        );
    };
    view! {
        <details class="zicht-details">
            <summary class="zicht-details__summary">"Uitkomst vastleggen"</summary>
            <form class="utrecht-form" novalidate=true on:submit=move |ev| { ev.prevent_default(); save(); }>
                <TextAreaField id=field_id label="Uitkomst van deze stap" value=text error=field_error(errors, "outcome")/>
                <p class="utrecht-paragraph">
                    <button type="submit" class="utrecht-button utrecht-button--secondary-action step-outcome-save"
                        aria-disabled=move || case.busy.get().then_some("true")>"Uitkomst opslaan"</button>
                </p>
            </form>
        </details>
    }
}
