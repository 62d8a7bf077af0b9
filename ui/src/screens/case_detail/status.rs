//! The case's status and acute marker, with the buttons that change them.

use super::CaseHandle;
use crate::api;
use crate::logic::case::{retention_text, status_button_class, status_button_label};
use crate::logic::errors::failure_text;
use crate::logic::format::datetime_nl;
use crate::state::FormStatus;
use crate::widgets::{DataItem, ErrorAlert};
use leptos::prelude::*;
use zicht_model::CaseDetail;

#[component]
pub(super) fn StatusSection(d: CaseDetail, case: CaseHandle, status: FormStatus) -> impl IntoView {
    let c = d.case;
    let current = c.status;
    let acute = c.acute;
    let toggle_acute = move |_| {
        let id = case.id();
        status.failure.set(None);
        case.act(
            async move { api::set_case_acute(&id, !acute).await },
            "case-acute-toggle",
            |_| {},
            move |e| {
                status
                    .failure
                    .try_set(Some(failure_text("Niet gewijzigd", &e)));
            },
        );
    };
    view! {
        <section class="zicht-section" aria-labelledby="case-status-heading">
            <h2 id="case-status-heading" class="utrecht-heading-2" tabindex="-1">"Status"</h2>
            {acute.then(|| view! {
                <p class="utrecht-paragraph">
                    <strong class="zicht-acute" id="case-acute-marker">"Acuut"</strong>
                    " — eerst monodisciplinair ingrijpen, daarna de tafel informeren."
                </p>
            })}
            <dl class="utrecht-data-list zicht-data-list">
                <DataItem key="Status"><span id="case-status">{current.label()}</span></DataItem>
                <DataItem key="Aangemaakt">{format!("{} door {}", datetime_nl(&c.created_at), c.created_by)}</DataItem>
                <DataItem key="Gemeente">{c.municipality.clone()}</DataItem>
                <DataItem key="Bewaren tot">{retention_text(d.retention_until.as_ref())}</DataItem>
            </dl>
            <p class="utrecht-paragraph zicht-actions">
                <button type="button" id="case-acute-toggle" class="utrecht-button utrecht-button--secondary-action"
                    aria-disabled=move || case.busy.get().then_some("true")
                    on:click=toggle_acute>
                    {if acute { "Niet meer acuut" } else { "Markeren als acuut" }}
                </button>
                {d.next_statuses.into_iter().map(|to| {
                    let class = format!(
                        "utrecht-button utrecht-button--secondary-action {}",
                        status_button_class(to)
                    );
                    view! {
                        <button type="button" class=class
                            aria-disabled=move || case.busy.get().then_some("true")
                            on:click=move |_| {
                                let id = case.id();
                                status.failure.set(None);
                                case.act(
                                    async move { api::set_case_status(&id, to).await },
                                    "case-status-heading",
                                    |_| {},
                                    move |e| { status.failure.try_set(Some(failure_text("Status niet gewijzigd", &e))); },
                                );
                            }>
                            {status_button_label(current, to)}
                        </button>
                    }
                }).collect_view()}
            </p>
            {move || status.failure.get().map(|m| view! { <ErrorAlert id="case-action-error" message=m/> })}
        </section>
    }
}
