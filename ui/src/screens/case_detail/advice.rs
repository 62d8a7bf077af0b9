//! The meldroute advice for the case, with "record this step": one click inside the
//! municipality, a form with the legal basis and what was shared outside it.

use super::CaseHandle;
use crate::api;
use crate::dom::focus_id;
use crate::logic::case::{choice_id, external_step_input, internal_step_input, toggle};
use crate::logic::errors::failure_text;
use crate::logic::format::{choices, datetime_nl, mailto_href, tel_href};
use crate::state::FormStatus;
use crate::widgets::{ErrorAlert, Fieldset, SelectField, TextAreaField, ValueCheckbox};
use leptos::prelude::*;
use std::collections::BTreeSet;
use zicht_model::{CaseAdvice, CaseDetail, CaseStatus, LegalBasisKind, ShareField};

/// The step form (one open at a time); kept above the reloaded case.
#[derive(Clone, Copy)]
pub(super) struct StepState {
    /// The contact id whose (external) step form is open.
    open: RwSignal<Option<String>>,
    kind: RwSignal<String>,
    explanation: RwSignal<String>,
    fields: RwSignal<BTreeSet<ShareField>>,
    outcome: RwSignal<String>,
    form: FormStatus,
    /// The contact whose one-click step failed (its message is in `form.failure`).
    failure_at: RwSignal<Option<String>>,
}

impl StepState {
    pub(super) fn new(busy: RwSignal<bool>) -> Self {
        StepState {
            open: RwSignal::new(None),
            kind: RwSignal::new(String::new()),
            explanation: RwSignal::new(String::new()),
            fields: RwSignal::new(BTreeSet::new()),
            outcome: RwSignal::new(String::new()),
            form: FormStatus::sharing(busy),
            failure_at: RwSignal::new(None),
        }
    }
}

#[component]
pub(super) fn AdviceSection(d: CaseDetail, case: CaseHandle, step: StepState) -> impl IntoView {
    let advice = d.advice;
    let closed = d.case.status == CaseStatus::Afgesloten;
    view! {
        <section class="zicht-section" aria-labelledby="case-advice-heading">
            <h2 id="case-advice-heading" class="utrecht-heading-2" tabindex="-1">"Meldroute-advies"</h2>
            {if advice.is_empty() {
                view! { <p class="utrecht-paragraph" id="case-advice-list">"Geen meldroute-advies voor deze casus."</p> }.into_any()
            } else {
                view! {
                    <ol class="utrecht-ordered-list zicht-advice" id="case-advice-list">
                        {advice.into_iter().map(|a| view! { <AdviceItem a=a case=case step=step closed=closed/> }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn AdviceItem(a: CaseAdvice, case: CaseHandle, step: StepState, closed: bool) -> impl IntoView {
    let c = a.step.contact.clone();
    let cid = c.id.clone();
    let name = c.name.clone();
    let take = {
        let a = a.clone();
        move |_| {
            if a.external {
                step.kind.set(String::new());
                step.explanation.set(String::new());
                step.fields.set(BTreeSet::new());
                step.outcome.set(String::new());
                step.form.errors.set(Vec::new());
                step.form.failure.set(None);
                step.failure_at.set(None);
                step.open.set(Some(a.step.contact.id.clone()));
                focus_id("step-basis-kind");
            } else {
                let id = case.id();
                let input = internal_step_input(&a);
                let contact = a.step.contact.id.clone();
                step.open.set(None);
                step.form.failure.set(None);
                step.failure_at.set(None);
                case.act(
                    async move { api::record_case_step(&id, &input).await },
                    "case-advice-heading",
                    |_| {},
                    move |e| {
                        step.form
                            .failure
                            .try_set(Some(failure_text("Stap niet vastgelegd", &e)));
                        step.failure_at.try_set(Some(contact));
                    },
                );
            }
        }
    };
    let open = {
        let cid = cid.clone();
        move || step.open.with(|o| o.as_deref() == Some(cid.as_str()))
    };
    let form_open = open.clone();
    let fail_cid = cid.clone();
    let a_form = a.clone();
    let external = a.external;
    view! {
        <li class="utrecht-ordered-list__item case-advice" value=a.step.order data-contact=cid.clone()>
            <p class="utrecht-paragraph"><strong>{c.name.clone()}</strong>
                {external.then_some(" (buiten de gemeente: grondslag nodig)")}</p>
            <ul class="utrecht-unordered-list zicht-contact-lines">
                {c.phone.clone().map(|p| view! {
                    <li class="utrecht-unordered-list__item">"Telefoon: "
                        <a class="utrecht-link utrecht-link--html-a utrecht-link--telephone" href=tel_href(&p)>{p.clone()}</a>
                    </li>
                })}
                {c.email.clone().map(|m| view! {
                    <li class="utrecht-unordered-list__item">"E-mail: "
                        <a class="utrecht-link utrecht-link--html-a" href=mailto_href(&m)>{m.clone()}</a>
                    </li>
                })}
            </ul>
            <p class="utrecht-paragraph zicht-reasons-label">"Waarom:"</p>
            <ul class="utrecht-unordered-list advice-reasons">
                {a.step.reasons.iter().map(|r| view! { <li class="utrecht-unordered-list__item">{r.clone()}</li> }).collect_view()}
            </ul>
            {match a.taken_at {
                Some(t) => view! {
                    <p class="utrecht-paragraph case-advice-taken">{format!("Gezet op {}", datetime_nl(&t))}</p>
                }.into_any(),
                None if closed => view! {
                    <p class="utrecht-paragraph">"Niet gezet; de casus is afgesloten."</p>
                }.into_any(),
                None => view! {
                    <p class="utrecht-paragraph">
                        <button type="button" class="utrecht-button utrecht-button--secondary-action case-advice-take"
                            aria-expanded=move || external.then(|| if open() { "true" } else { "false" })
                            aria-disabled=move || case.busy.get().then_some("true")
                            on:click=take>
                            "Stap vastleggen" <span class="zicht-visually-hidden">{format!(" ({name})")}</span>
                        </button>
                    </p>
                    {move || {
                        let here = step.failure_at.with(|f| f.as_deref() == Some(fail_cid.as_str()));
                        here.then(|| step.form.failure.get().map(|m| view! { <ErrorAlert message=m/> }))
                    }}
                }.into_any(),
            }}
            {move || form_open().then(|| view! { <StepForm a=a_form.clone() case=case step=step/> })}
        </li>
    }
}

/// Recording a step to a contact outside the municipality: legal basis and what was shared.
#[component]
fn StepForm(a: CaseAdvice, case: CaseHandle, step: StepState) -> impl IntoView {
    let name = a.step.contact.name.clone();
    let submit = {
        let a = a.clone();
        move || {
            let id = case.id();
            let input = external_step_input(
                &a,
                &step.kind.get_untracked(),
                &step.explanation.get_untracked(),
                &step.fields.get_untracked(),
                &step.outcome.get_untracked(),
            );
            step.form.failure.set(None);
            case.act(
                async move { api::record_case_step(&id, &input).await },
                "case-advice-heading",
                move |_| {
                    step.open.try_set(None);
                    step.form.succeeded();
                },
                move |e| {
                    step.form.failed_at(e, |f: &str| {
                        matches!(
                            f,
                            "legal_basis.kind" | "legal_basis.explanation" | "fields" | "outcome"
                        )
                    })
                },
            );
        }
    };
    view! {
        <form class="utrecht-form zicht-step-form" id="step-form" novalidate=true
            aria-label=format!("Stap vastleggen: {name}")
            on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <p class="utrecht-paragraph">
                {format!("{name} valt buiten de gemeente. Leg vast op welke grondslag u gegevens deelt, en welke gegevens.")}
            </p>
            <SelectField id="step-basis-kind" label="Grondslag" value=step.kind
                options=choices(LegalBasisKind::ALL, LegalBasisKind::wire, LegalBasisKind::label)
                error=step.form.field("legal_basis.kind") placeholder="Kies een grondslag"/>
            <TextAreaField id="step-basis-explanation" label="Toelichting op de grondslag" value=step.explanation
                error=step.form.field("legal_basis.explanation")/>
            <Fieldset legend="Welke gegevens zijn gedeeld?" id="step-fields"
                error=step.form.field("fields") error_for="step-fields">
                {ShareField::ALL.iter().copied().map(|f| view! {
                    <ValueCheckbox id=choice_id("step-field", f.wire()) class="step-field" value=f.wire()
                        label=f.label()
                        checked=Signal::derive(move || step.fields.with(|s| s.contains(&f)))
                        on_toggle=Callback::new(move |on: bool| step.fields.update(|s| toggle(s, &f, on)))/>
                }).collect_view()}
            </Fieldset>
            <TextAreaField id="step-outcome" label="Uitkomst (optioneel)" value=step.outcome
                error=step.form.field("outcome")/>
            {move || step.form.failure.get().map(|m| view! { <ErrorAlert message=m/> })}
            <p class="utrecht-paragraph zicht-actions">
                <button type="submit" id="step-submit" class="utrecht-button utrecht-button--primary-action"
                    aria-disabled=move || case.busy.get().then_some("true")>"Stap vastleggen"</button>
                <button type="button" id="step-cancel" class="utrecht-button utrecht-button--secondary-action"
                    on:click=move |_| { step.open.set(None); step.form.failure.set(None); }>"Annuleren"</button>
            </p>
        </form>
    }
}
