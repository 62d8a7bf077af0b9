//! Forwarding the case to the regional table, with a legal basis and only the chosen data.

use super::CaseHandle;
use crate::api;
use crate::ctx::{use_ctx, View};
use crate::logic::case::{
    case_signal_heading, choice_id, forward_recipients, forward_status_text, toggle, ForwardForm,
};
use crate::logic::errors::{message_and_unplaced, with_reason};
use crate::logic::exchange::participant_text;
use crate::logic::format::choices;
use crate::state::{FormStatus, Loaded};
use crate::widgets::{
    field_error, ErrorAlert, Fieldset, LoadingMessage, SelectField, TextAreaField, ValueCheckbox,
};
use leptos::prelude::*;
use std::collections::BTreeSet;
use zicht_model::{CaseDetail, DirectoryStatus, LegalBasisKind, ShareField};

/// The forward form and the participant directory it picks from; kept above the reloaded
/// case.
#[derive(Clone, Copy)]
pub(super) struct ForwardState {
    pub(super) dir: Loaded<Option<DirectoryStatus>>,
    open: RwSignal<bool>,
    recipients: RwSignal<BTreeSet<String>>,
    signals: RwSignal<BTreeSet<String>>,
    fields: RwSignal<BTreeSet<ShareField>>,
    kind: RwSignal<String>,
    explanation: RwSignal<String>,
    reason: RwSignal<String>,
    form: FormStatus,
    /// What happened to the last forward (stays after the form closes).
    pub(super) status: RwSignal<String>,
}

impl ForwardState {
    pub(super) fn new(busy: RwSignal<bool>) -> Self {
        ForwardState {
            dir: RwSignal::new(None),
            open: RwSignal::new(false),
            recipients: RwSignal::new(BTreeSet::new()),
            signals: RwSignal::new(BTreeSet::new()),
            fields: RwSignal::new(BTreeSet::new()),
            kind: RwSignal::new(String::new()),
            explanation: RwSignal::new(String::new()),
            reason: RwSignal::new(String::new()),
            form: FormStatus::sharing(busy),
            status: RwSignal::new(String::new()),
        }
    }
}

#[component]
pub(super) fn ForwardSection(
    d: CaseDetail,
    case: CaseHandle,
    fwd: ForwardState,
    can_forward: bool,
) -> impl IntoView {
    let ctx = use_ctx();
    let case_signals = d.case.signal_ids.clone();
    let signals = d.signals;
    view! {
        <section class="zicht-section" id="case-forward" aria-labelledby="forward-heading">
            <h2 id="forward-heading" class="utrecht-heading-2" tabindex="-1">"Doorsturen naar de regionale tafel"</h2>
            {can_forward.then(|| view! {
                <p class="utrecht-paragraph">
                    "De casus gaat versleuteld naar de regionale tafel, met de grondslag en alleen de gegevens die u kiest. "
                    "Soort, tijdstip, sector, vormen van uitbuiting en urgentie gaan altijd mee."
                </p>
            })}
            {move || {
                if !can_forward {
                    return ().into_any();
                }
                match fwd.dir.get() {
                    None => view! { <LoadingMessage/> }.into_any(),
                    Some(Err(m)) => view! { <ErrorAlert message=with_reason("Het deelnemersoverzicht kon niet worden geladen", &m)/> }.into_any(),
                    Some(Ok(None)) => view! {
                        <p class="utrecht-paragraph" id="forward-no-directory">
                            "Om de casus door te sturen moet eerst het deelnemersoverzicht van de regio zijn ingelezen. "
                            "Dat bestand krijgt u van de regiocoördinator; u leest het in onder Uitwisseling."
                        </p>
                        <p class="utrecht-paragraph">
                            <button type="button" id="forward-go-exchange" class="utrecht-button utrecht-button--secondary-action"
                                on:click=move |_| ctx.go(View::Uitwisseling)>"Naar Uitwisseling"</button>
                        </p>
                    }.into_any(),
                    Some(Ok(Some(dir))) => {
                        let people = forward_recipients(&dir);
                        if people.is_empty() {
                            return view! {
                                <p class="utrecht-paragraph" id="forward-no-recipients">
                                    "Het deelnemersoverzicht noemt geen regionale tafel of aandachtsfunctionaris om de casus aan te sturen."
                                </p>
                            }.into_any();
                        }
                        let open_people = people.clone();
                        let open_signals = case_signals.clone();
                        let open_form = move |_| {
                            if fwd.open.get_untracked() {
                                fwd.open.set(false);
                                return;
                            }
                            let f = ForwardForm::new(&open_people, &open_signals);
                            fwd.recipients.set(f.recipients);
                            fwd.signals.set(f.signals);
                            fwd.fields.set(f.fields);
                            fwd.form.errors.set(Vec::new());
                            fwd.form.failure.set(None);
                            fwd.open.set(true);
                        };
                        let people = people.clone();
                        let signals = signals.clone();
                        let case_signals = case_signals.clone();
                        view! {
                            <p class="utrecht-paragraph">
                                <button type="button" id="forward-open" class="utrecht-button utrecht-button--secondary-action"
                                    aria-expanded=move || if fwd.open.get() { "true" } else { "false" }
                                    aria-controls="forward-form"
                                    on:click=open_form>"Doorsturen voorbereiden"</button>
                            </p>
                            {move || fwd.open.get().then(|| view! {
                                <ForwardFormView people=people.clone() signals=signals.clone() case_signals=case_signals.clone() case=case fwd=fwd/>
                            })}
                        }.into_any()
                    }
                }
            }}
            <p id="forward-status" class="zicht-status" role="status" aria-live="polite">{move || fwd.status.get()}</p>
            {move || fwd.form.failure.get().map(|m| view! { <ErrorAlert id="forward-error" message=m/> })}
        </section>
    }
}

#[component]
fn ForwardFormView(
    people: Vec<zicht_model::Participant>,
    signals: Vec<zicht_model::Signal>,
    case_signals: Vec<String>,
    case: CaseHandle,
    fwd: ForwardState,
) -> impl IntoView {
    let submit = {
        let people = people.clone();
        move || {
            let form = ForwardForm {
                recipients: fwd.recipients.get_untracked(),
                signals: fwd.signals.get_untracked(),
                fields: fwd.fields.get_untracked(),
                basis_kind: fwd.kind.get_untracked(),
                explanation: fwd.explanation.get_untracked(),
                reason: fwd.reason.get_untracked(),
            };
            let input = form.input(&people, &case_signals);
            let id = case.id();
            fwd.form.failure.set(None);
            fwd.status.set(String::new());
            case.act(
                async move { api::forward_case(&id, &input).await },
                "forward-heading",
                move |item| {
                    fwd.status.try_set(forward_status_text(&item));
                    fwd.form.succeeded();
                    fwd.open.try_set(false);
                    fwd.kind.try_set(String::new());
                    fwd.explanation.try_set(String::new());
                    fwd.reason.try_set(String::new());
                },
                move |e| {
                    let msg = message_and_unplaced(&e, |f| {
                        matches!(
                            f,
                            "recipients"
                                | "signals"
                                | "fields"
                                | "legal_basis.kind"
                                | "legal_basis.explanation"
                                | "reason"
                        )
                    });
                    fwd.form.failure.try_set(Some(msg));
                    fwd.form.errors.try_set(e.fields);
                },
            );
        }
    };
    let errors = fwd.form.errors;
    view! {
        <form class="utrecht-form" id="forward-form" novalidate=true on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <Fieldset legend="Ontvangers" id="forward-recipients"
                error=field_error(errors, "recipients") error_for="forward-recipients">
                {people.into_iter().map(|p| {
                    let pid = p.id.clone();
                    let pid2 = p.id.clone();
                    view! {
                        <ValueCheckbox id=choice_id("forward-to", &p.id) class="forward-to" value=p.id.clone()
                            label=participant_text(&p)
                            checked=Signal::derive(move || fwd.recipients.with(|c| c.contains(&pid)))
                            on_toggle=Callback::new(move |on: bool| fwd.recipients.update(|c| toggle(c, &pid2, on)))/>
                    }
                }).collect_view()}
            </Fieldset>
            <Fieldset legend="Signalen die meegaan" id="forward-signals"
                error=field_error(errors, "signals") error_for="forward-signals">
                {signals.into_iter().map(|s| {
                    let sid = s.id.clone();
                    let sid2 = s.id.clone();
                    view! {
                        <ValueCheckbox id=choice_id("forward-signal", &s.id) class="forward-signal" value=s.id.clone()
                            label=case_signal_heading(&s)
                            checked=Signal::derive(move || fwd.signals.with(|c| c.contains(&sid)))
                            on_toggle=Callback::new(move |on: bool| fwd.signals.update(|c| toggle(c, &sid2, on)))/>
                    }
                }).collect_view()}
            </Fieldset>
            <Fieldset legend="Welke gegevens gaan mee (alleen wat de tafel nodig heeft)" id="forward-fields"
                error=field_error(errors, "fields") error_for="forward-fields">
                {ShareField::ALL.iter().copied().map(|f| view! {
                    <ValueCheckbox id=choice_id("forward-field", f.wire()) class="forward-field" value=f.wire()
                        label=f.label()
                        checked=Signal::derive(move || fwd.fields.with(|s| s.contains(&f)))
                        on_toggle=Callback::new(move |on: bool| fwd.fields.update(|s| toggle(s, &f, on)))/>
                }).collect_view()}
            </Fieldset>
            <SelectField id="forward-basis-kind" label="Grondslag" value=fwd.kind
                options=choices(LegalBasisKind::ALL, LegalBasisKind::wire, LegalBasisKind::label)
                error=field_error(errors, "legal_basis.kind") placeholder="Kies een grondslag"/>
            <TextAreaField id="forward-basis-explanation" label="Toelichting op de grondslag" value=fwd.explanation
                error=field_error(errors, "legal_basis.explanation")/>
            <TextAreaField id="forward-reason" label="Waarom naar de tafel" value=fwd.reason
                error=field_error(errors, "reason")/>
            <p class="utrecht-paragraph">
                <button type="submit" id="forward-submit" class="utrecht-button utrecht-button--primary-action"
                    aria-disabled=move || case.busy.get().then_some("true")>"Versturen naar de regionale tafel"</button>
            </p>
        </form>
    }
}
