//! Casus: one case in full. Status, signals, the table's decision, weighing, enrichment notes,
//! the meldroute advice with "record this step", the timeline, forwarding to the regional
//! table with a legal basis, and the case's audit trail. Reloaded after every action.

use crate::api;
use crate::ctx::{use_ctx, View};
use crate::dom::focus_id;
use crate::logic::case::{
    basis_text, case_signal_heading, choice_id, decision_by_text, external_step_input,
    forward_recipients, forward_status_text, internal_step_input, retention_text,
    status_button_class, status_button_label, step_kind_text, toggle, weging_text, ForwardForm,
};
use crate::logic::errors::unplaced;
use crate::logic::exchange::participant_text;
use crate::logic::format::{datetime_nl, mailto_href, tel_href};
use crate::widgets::{
    field_error, DataItem, ErrorAlert, Fieldset, SelectField, TextAreaField, ValueCheckbox,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeSet;
use std::future::Future;
use zicht_model::{
    ApiError, AuditEntry, CaseAdvice, CaseDetail, CaseStatus, DirectoryStatus, FieldError,
    LegalBasisKind, ShareField, SignalFilter, SignalStatus, StepKind, Suspicion, Transition,
};

/// The screen's state. Kept above the part that is re-rendered on every reload, so text typed
/// in one form survives an action in another.
#[derive(Clone, Copy)]
struct St {
    id: StoredValue<String>,
    /// Bumped to reload the case (and its audit trail).
    version: RwSignal<u32>,
    /// The element to focus once the reload has rendered.
    focus_after: RwSignal<Option<&'static str>>,
    busy: RwSignal<bool>,
    /// Errors of the status and acute buttons.
    failure: RwSignal<Option<String>>,
    weging_level: RwSignal<String>,
    weging_motivation: RwSignal<String>,
    weging_errors: RwSignal<Vec<FieldError>>,
    weging_failure: RwSignal<Option<String>>,
    note_text: RwSignal<String>,
    note_errors: RwSignal<Vec<FieldError>>,
    note_failure: RwSignal<Option<String>>,
    /// The contact id whose (external) step form is open.
    step_open: RwSignal<Option<String>>,
    step_kind: RwSignal<String>,
    step_explanation: RwSignal<String>,
    step_fields: RwSignal<BTreeSet<ShareField>>,
    step_outcome: RwSignal<String>,
    step_errors: RwSignal<Vec<FieldError>>,
    step_failure: RwSignal<Option<String>>,
    /// The contact whose one-click step failed (its message is in `step_failure`).
    step_failure_at: RwSignal<Option<String>>,
    dir: RwSignal<Option<Result<Option<DirectoryStatus>, String>>>,
    fwd_open: RwSignal<bool>,
    fwd_recipients: RwSignal<BTreeSet<String>>,
    fwd_signals: RwSignal<BTreeSet<String>>,
    fwd_fields: RwSignal<BTreeSet<ShareField>>,
    fwd_kind: RwSignal<String>,
    fwd_explanation: RwSignal<String>,
    fwd_reason: RwSignal<String>,
    fwd_errors: RwSignal<Vec<FieldError>>,
    fwd_failure: RwSignal<Option<String>>,
    fwd_status: RwSignal<String>,
}

impl St {
    fn new(id: String) -> Self {
        St {
            id: StoredValue::new(id),
            version: RwSignal::new(0),
            focus_after: RwSignal::new(None),
            busy: RwSignal::new(false),
            failure: RwSignal::new(None),
            weging_level: RwSignal::new(String::new()),
            weging_motivation: RwSignal::new(String::new()),
            weging_errors: RwSignal::new(Vec::new()),
            weging_failure: RwSignal::new(None),
            note_text: RwSignal::new(String::new()),
            note_errors: RwSignal::new(Vec::new()),
            note_failure: RwSignal::new(None),
            step_open: RwSignal::new(None),
            step_kind: RwSignal::new(String::new()),
            step_explanation: RwSignal::new(String::new()),
            step_fields: RwSignal::new(BTreeSet::new()),
            step_outcome: RwSignal::new(String::new()),
            step_errors: RwSignal::new(Vec::new()),
            step_failure: RwSignal::new(None),
            step_failure_at: RwSignal::new(None),
            dir: RwSignal::new(None),
            fwd_open: RwSignal::new(false),
            fwd_recipients: RwSignal::new(BTreeSet::new()),
            fwd_signals: RwSignal::new(BTreeSet::new()),
            fwd_fields: RwSignal::new(BTreeSet::new()),
            fwd_kind: RwSignal::new(String::new()),
            fwd_explanation: RwSignal::new(String::new()),
            fwd_reason: RwSignal::new(String::new()),
            fwd_errors: RwSignal::new(Vec::new()),
            fwd_failure: RwSignal::new(None),
            fwd_status: RwSignal::new(String::new()),
        }
    }

    fn id(&self) -> String {
        self.id.get_value()
    }

    /// Runs one backend action (one at a time). On success `on_ok` runs, the case is reloaded
    /// and `focus` gets the focus; on failure `on_err` gets the error.
    fn act<T: 'static>(
        self,
        fut: impl Future<Output = Result<T, ApiError>> + 'static,
        focus: &'static str,
        on_ok: impl FnOnce(T) + 'static,
        on_err: impl FnOnce(ApiError) + 'static,
    ) {
        if self.busy.get_untracked() {
            return;
        }
        self.busy.set(true);
        spawn_local(async move {
            match fut.await {
                Ok(v) => {
                    on_ok(v);
                    self.focus_after.try_set(Some(focus));
                    self.version.try_update(|n| *n += 1);
                }
                Err(e) => on_err(e),
            }
            self.busy.try_set(false);
        });
    }
}

/// The alert text for an error: the message, plus the field problems not shown at a field.
fn alert_text(e: &ApiError, placed: impl Fn(&str) -> bool) -> Option<String> {
    let rest = unplaced(&e.fields, placed);
    if e.fields.is_empty() {
        Some(e.message.clone())
    } else if rest.is_empty() {
        None
    } else {
        Some(rest.join(" "))
    }
}

fn options<T: Copy>(
    all: &[T],
    wire: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|v| (wire(*v).to_string(), label(*v).to_string()))
        .collect()
}

#[component]
pub fn CaseDetailScreen(id: String) -> impl IntoView {
    let ctx = use_ctx();
    let st = St::new(id);
    let data = RwSignal::new(None::<Result<CaseDetail, String>>);
    let audit = RwSignal::new(None::<Result<Vec<AuditEntry>, String>>);
    Effect::new(move |_| {
        st.version.get();
        let id = st.id();
        spawn_local(async move {
            match api::case_detail(&id).await {
                Ok(d) => {
                    data.try_set(Some(Ok(d)));
                }
                // Keep showing the case when only a reload failed.
                Err(e) if matches!(data.try_get_untracked(), Some(Some(Ok(_)))) => {
                    ctx.error("De casus kon niet opnieuw worden geladen", &e);
                }
                Err(e) => {
                    data.try_set(Some(Err(e.message)));
                }
            }
            if let Some(Some(f)) = st.focus_after.try_get_untracked() {
                st.focus_after.try_set(None);
                focus_id(f);
            }
            // After the detail: its view is in the trail too.
            audit.try_set(Some(api::audit_log(Some(&id)).await.map_err(|e| e.message)));
        });
    });
    spawn_local(async move {
        st.dir
            .try_set(Some(api::directory_status().await.map_err(|e| e.message)));
    });
    let title = move || match data.get() {
        Some(Ok(d)) => d.case.title,
        _ => "Casus".into(),
    };

    view! {
        <h1 class="utrecht-heading-1" tabindex="-1">{title}</h1>
        <p class="utrecht-paragraph">
            <button type="button" id="case-back" class="utrecht-button utrecht-button--secondary-action"
                on:click=move |_| ctx.go(View::Casussen)>"Terug naar casussen"</button>
        </p>
        {move || match data.get() {
            None => view! { <p class="utrecht-paragraph" role="status">"Bezig met laden…"</p> }.into_any(),
            Some(Err(m)) => view! { <ErrorAlert message=format!("De casus kon niet worden geopend: {m}")/> }.into_any(),
            Some(Ok(d)) => view! { <CaseBody d=d st=st/> }.into_any(),
        }}
        <details class="zicht-details zicht-section" id="case-audit">
            <summary class="zicht-details__summary">"Auditlog van deze casus"</summary>
            {move || match audit.get() {
                None => view! { <p class="utrecht-paragraph">"Bezig met laden…"</p> }.into_any(),
                Some(Err(m)) => view! { <ErrorAlert message=format!("Het auditlog kon niet worden geladen: {m}")/> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="utrecht-paragraph">"Nog geen vermeldingen."</p> }.into_any(),
                Some(Ok(list)) => view! { <AuditTable list=list/> }.into_any(),
            }}
        </details>
    }
}

#[component]
fn AuditTable(list: Vec<AuditEntry>) -> impl IntoView {
    view! {
        <div class="zicht-table-scroll" role="region" aria-label="Auditlog van deze casus" tabindex="0">
        <table class="utrecht-table utrecht-table--html-table zicht-table" id="case-audit-table">
            <thead class="utrecht-table__header">
                <tr class="utrecht-table__row">
                    <th class="utrecht-table__header-cell" scope="col">"Tijdstip"</th>
                    <th class="utrecht-table__header-cell" scope="col">"Door"</th>
                    <th class="utrecht-table__header-cell" scope="col">"Handeling"</th>
                    <th class="utrecht-table__header-cell" scope="col">"Toelichting"</th>
                </tr>
            </thead>
            <tbody class="utrecht-table__body">
                {list.into_iter().map(|a| view! {
                    <tr class="utrecht-table__row case-audit-row">
                        <td class="utrecht-table__cell">{datetime_nl(&a.at)}</td>
                        <td class="utrecht-table__cell">{a.actor}</td>
                        <td class="utrecht-table__cell">{a.action.label()}</td>
                        <td class="utrecht-table__cell">{a.detail}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        </div>
    }
}

#[component]
fn CaseBody(d: CaseDetail, st: St) -> impl IntoView {
    let case = d.case.clone();
    let can_forward = case.status.can_become(CaseStatus::DoorgeleidTafel) == Transition::ViaForward;
    view! {
        <StatusSection d=d.clone() st=st/>
        <SignalsSection d=d.clone()/>
        {(case.status != CaseStatus::Afgesloten).then(|| view! { <AddSignalForm d=d.clone() st=st/> })}
        {case.decision.clone().map(|dec| view! {
            <section class="zicht-section" id="case-decision" aria-labelledby="case-decision-heading">
                <h2 id="case-decision-heading" class="utrecht-heading-2">"Besluit van de regionale tafel"</h2>
                <p class="utrecht-paragraph"><strong>{dec.track.label()}</strong></p>
                <p class="utrecht-paragraph zicht-multiline">{dec.explanation.clone()}</p>
                <p class="utrecht-paragraph">{decision_by_text(&dec)}</p>
            </section>
        })}
        <WegingSection d=d.clone() st=st/>
        <NotesSection d=d.clone() st=st/>
        <AdviceSection d=d.clone() st=st/>
        <TimelineSection d=d.clone() st=st/>
        {move || (can_forward || !st.fwd_status.with(String::is_empty)).then(|| {
            view! { <ForwardSection d=d.clone() st=st can_forward=can_forward/> }
        })}
    }
}

#[component]
fn StatusSection(d: CaseDetail, st: St) -> impl IntoView {
    let case = d.case;
    let current = case.status;
    let acute = case.acute;
    let toggle_acute = move |_| {
        let id = st.id();
        st.failure.set(None);
        st.act(
            async move { api::set_case_acute(&id, !acute).await },
            "case-acute-toggle",
            |_| {},
            move |e| {
                st.failure
                    .try_set(Some(format!("Niet gewijzigd: {}", e.message)));
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
                <DataItem key="Aangemaakt">{format!("{} door {}", datetime_nl(&case.created_at), case.created_by)}</DataItem>
                <DataItem key="Gemeente">{case.municipality.clone()}</DataItem>
                <DataItem key="Bewaren tot">{retention_text(d.retention_until.as_ref())}</DataItem>
            </dl>
            <p class="utrecht-paragraph zicht-actions">
                <button type="button" id="case-acute-toggle" class="utrecht-button utrecht-button--secondary-action"
                    aria-disabled=move || st.busy.get().then_some("true")
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
                            aria-disabled=move || st.busy.get().then_some("true")
                            on:click=move |_| {
                                let id = st.id();
                                st.failure.set(None);
                                st.act(
                                    async move { api::set_case_status(&id, to).await },
                                    "case-status-heading",
                                    |_| {},
                                    move |e| { st.failure.try_set(Some(format!("Status niet gewijzigd: {}", e.message))); },
                                );
                            }>
                            {status_button_label(current, to)}
                        </button>
                    }
                }).collect_view()}
            </p>
            {move || st.failure.get().map(|m| view! { <ErrorAlert id="case-action-error" message=m/> })}
        </section>
    }
}

#[component]
fn SignalsSection(d: CaseDetail) -> impl IntoView {
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

#[component]
fn WegingSection(d: CaseDetail, st: St) -> impl IntoView {
    let save = move || {
        let id = st.id();
        let level = Suspicion::from_wire(&st.weging_level.get_untracked());
        let motivation = st.weging_motivation.get_untracked();
        st.weging_failure.set(None);
        st.act(
            async move { api::set_case_weging(&id, level, &motivation).await },
            "case-weging-save",
            move |_| {
                st.weging_errors.try_set(Vec::new());
                st.weging_level.try_set(String::new());
                st.weging_motivation.try_set(String::new());
            },
            move |e| {
                st.weging_failure
                    .try_set(alert_text(&e, |f| f == "weging" || f == "motivation"));
                st.weging_errors.try_set(e.fields);
            },
        );
    };
    view! {
        <section class="zicht-section" aria-labelledby="case-weging-heading">
            <h2 id="case-weging-heading" class="utrecht-heading-2">"Weging"</h2>
            <p class="utrecht-paragraph" id="case-weging-current">{weging_text(d.case.weging.as_ref())}</p>
            <form class="utrecht-form" novalidate=true on:submit=move |ev| { ev.prevent_default(); save(); }>
                <SelectField id="case-weging-level" label="Weging van het vermoeden" value=st.weging_level
                    options=options(Suspicion::ALL, Suspicion::wire, Suspicion::label)
                    error=field_error(st.weging_errors, "weging") placeholder="Kies een weging"/>
                <TextAreaField id="case-weging-motivation" label="Motivering" value=st.weging_motivation
                    error=field_error(st.weging_errors, "motivation")/>
                {move || st.weging_failure.get().map(|m| view! { <ErrorAlert message=m/> })}
                <p class="utrecht-paragraph">
                    <button type="submit" id="case-weging-save" class="utrecht-button utrecht-button--primary-action"
                        aria-disabled=move || st.busy.get().then_some("true")>"Weging vastleggen"</button>
                </p>
            </form>
        </section>
    }
}

#[component]
fn NotesSection(d: CaseDetail, st: St) -> impl IntoView {
    let notes = d.case.notes;
    let add = move || {
        let id = st.id();
        let text = st.note_text.get_untracked();
        st.note_failure.set(None);
        st.act(
            async move { api::add_case_note(&id, &text).await },
            "case-note-text",
            move |_| {
                st.note_errors.try_set(Vec::new());
                st.note_text.try_set(String::new());
            },
            move |e| {
                st.note_failure.try_set(alert_text(&e, |f| f == "note"));
                st.note_errors.try_set(e.fields);
            },
        );
    };
    view! {
        <section class="zicht-section" aria-labelledby="case-notes-heading">
            <h2 id="case-notes-heading" class="utrecht-heading-2">"Verrijking"</h2>
            {if notes.is_empty() {
                view! { <p class="utrecht-paragraph" id="case-notes">"Nog geen notities."</p> }.into_any()
            } else {
                view! {
                    <ul class="utrecht-unordered-list" id="case-notes">
                        {notes.into_iter().map(|n| view! {
                            <li class="utrecht-unordered-list__item case-note">
                                <p class="utrecht-paragraph"><strong>{format!("{}, {}", n.author, datetime_nl(&n.at))}</strong></p>
                                <p class="utrecht-paragraph zicht-multiline">{n.text}</p>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <form class="utrecht-form" novalidate=true on:submit=move |ev| { ev.prevent_default(); add(); }>
                <TextAreaField id="case-note-text" label="Nieuwe notitie" value=st.note_text
                    error=field_error(st.note_errors, "note")
                    description="Wat u hebt uitgezocht of gehoord. Schrijf geen namen als een label volstaat."/>
                {move || st.note_failure.get().map(|m| view! { <ErrorAlert message=m/> })}
                <p class="utrecht-paragraph">
                    <button type="submit" id="case-note-add" class="utrecht-button utrecht-button--primary-action"
                        aria-disabled=move || st.busy.get().then_some("true")>"Notitie toevoegen"</button>
                </p>
            </form>
        </section>
    }
}

#[component]
fn AdviceSection(d: CaseDetail, st: St) -> impl IntoView {
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
                        {advice.into_iter().map(|a| view! { <AdviceItem a=a st=st closed=closed/> }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn AdviceItem(a: CaseAdvice, st: St, closed: bool) -> impl IntoView {
    let c = a.step.contact.clone();
    let cid = c.id.clone();
    let name = c.name.clone();
    let take = {
        let a = a.clone();
        move |_| {
            if a.external {
                st.step_kind.set(String::new());
                st.step_explanation.set(String::new());
                st.step_fields.set(BTreeSet::new());
                st.step_outcome.set(String::new());
                st.step_errors.set(Vec::new());
                st.step_failure.set(None);
                st.step_failure_at.set(None);
                st.step_open.set(Some(a.step.contact.id.clone()));
                focus_id("step-basis-kind");
            } else {
                let id = st.id();
                let input = internal_step_input(&a);
                let contact = a.step.contact.id.clone();
                st.step_open.set(None);
                st.step_failure.set(None);
                st.step_failure_at.set(None);
                st.act(
                    async move { api::record_case_step(&id, &input).await },
                    "case-advice-heading",
                    |_| {},
                    move |e| {
                        st.step_failure
                            .try_set(Some(format!("Stap niet vastgelegd: {}", e.message)));
                        st.step_failure_at.try_set(Some(contact));
                    },
                );
            }
        }
    };
    let open = {
        let cid = cid.clone();
        move || st.step_open.with(|o| o.as_deref() == Some(cid.as_str()))
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
                            aria-disabled=move || st.busy.get().then_some("true")
                            on:click=take>
                            "Stap vastleggen" <span class="zicht-visually-hidden">{format!(" ({name})")}</span>
                        </button>
                    </p>
                    {move || {
                        let here = st.step_failure_at.with(|f| f.as_deref() == Some(fail_cid.as_str()));
                        here.then(|| st.step_failure.get().map(|m| view! { <ErrorAlert message=m/> }))
                    }}
                }.into_any(),
            }}
            {move || form_open().then(|| view! { <StepForm a=a_form.clone() st=st/> })}
        </li>
    }
}

/// Recording a step to a contact outside the municipality: legal basis and what was shared.
#[component]
fn StepForm(a: CaseAdvice, st: St) -> impl IntoView {
    let name = a.step.contact.name.clone();
    let submit = {
        let a = a.clone();
        move || {
            let id = st.id();
            let input = external_step_input(
                &a,
                &st.step_kind.get_untracked(),
                &st.step_explanation.get_untracked(),
                &st.step_fields.get_untracked(),
                &st.step_outcome.get_untracked(),
            );
            st.step_failure.set(None);
            st.act(
                async move { api::record_case_step(&id, &input).await },
                "case-advice-heading",
                move |_| {
                    st.step_open.try_set(None);
                    st.step_errors.try_set(Vec::new());
                },
                move |e| {
                    let placed = |f: &str| {
                        matches!(
                            f,
                            "legal_basis.kind" | "legal_basis.explanation" | "fields" | "outcome"
                        )
                    };
                    st.step_failure.try_set(alert_text(&e, placed));
                    st.step_errors.try_set(e.fields);
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
            <SelectField id="step-basis-kind" label="Grondslag" value=st.step_kind
                options=options(LegalBasisKind::ALL, LegalBasisKind::wire, LegalBasisKind::label)
                error=field_error(st.step_errors, "legal_basis.kind") placeholder="Kies een grondslag"/>
            <TextAreaField id="step-basis-explanation" label="Toelichting op de grondslag" value=st.step_explanation
                error=field_error(st.step_errors, "legal_basis.explanation")/>
            <Fieldset legend="Welke gegevens zijn gedeeld?" id="step-fields"
                error=field_error(st.step_errors, "fields") error_for="step-fields">
                {ShareField::ALL.iter().copied().map(|f| view! {
                    <ValueCheckbox id=choice_id("step-field", f.wire()) class="step-field" value=f.wire()
                        label=f.label()
                        checked=Signal::derive(move || st.step_fields.with(|s| s.contains(&f)))
                        on_toggle=Callback::new(move |on: bool| st.step_fields.update(|s| toggle(s, &f, on)))/>
                }).collect_view()}
            </Fieldset>
            <TextAreaField id="step-outcome" label="Uitkomst (optioneel)" value=st.step_outcome
                error=field_error(st.step_errors, "outcome")/>
            {move || st.step_failure.get().map(|m| view! { <ErrorAlert message=m/> })}
            <p class="utrecht-paragraph zicht-actions">
                <button type="submit" id="step-submit" class="utrecht-button utrecht-button--primary-action"
                    aria-disabled=move || st.busy.get().then_some("true")>"Stap vastleggen"</button>
                <button type="button" id="step-cancel" class="utrecht-button utrecht-button--secondary-action"
                    on:click=move |_| { st.step_open.set(None); st.step_failure.set(None); }>"Annuleren"</button>
            </p>
        </form>
    }
}

/// Adds one of the device's signals that is in no case yet.
#[component]
fn AddSignalForm(d: CaseDetail, st: St) -> impl IntoView {
    let candidates = RwSignal::new(Vec::<(String, String)>::new());
    let chosen = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let failure = RwSignal::new(None::<String>);
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
        let id = st.id();
        let sid = chosen.get_untracked();
        if sid.is_empty() {
            errors.set(vec![FieldError {
                field: "signals.0".into(),
                message: "Kies het signaal dat u wilt toevoegen.".into(),
            }]);
            return;
        }
        failure.set(None);
        st.act(
            async move { api::add_case_signals(&id, &[sid]).await },
            "case-add-signal",
            move |_| {
                errors.try_set(Vec::new());
                chosen.try_set(String::new());
            },
            move |e| {
                failure.try_set(alert_text(&e, |f| f.starts_with("signals")));
                errors.try_set(e.fields);
            },
        );
    };
    view! {
        {move || (!candidates.with(Vec::is_empty)).then(|| view! {
            <form class="utrecht-form zicht-section" novalidate=true on:submit=move |ev| { ev.prevent_default(); add(); }>
                <SelectField id="case-add-signal-choice" label="Signaal aan deze casus toevoegen" value=chosen
                    options=candidates.get() error=field_error(errors, "signals.0") placeholder="Kies een nieuw signaal"/>
                {move || failure.get().map(|m| view! { <ErrorAlert message=m/> })}
                <p class="utrecht-paragraph">
                    <button type="submit" id="case-add-signal" class="utrecht-button utrecht-button--secondary-action"
                        aria-disabled=move || st.busy.get().then_some("true")>"Signaal toevoegen"</button>
                </p>
            </form>
        })}
    }
}

/// Fills in the outcome of a contact step that has none yet.
#[component]
fn OutcomeForm(index: usize, st: St) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let field_id = format!("step-outcome-{index}");
    let save = move || {
        let id = st.id();
        let outcome = text.get_untracked();
        st.act(
            async move { api::set_step_outcome(&id, index, &outcome).await },
            "case-timeline-heading",
            move |_| {
                errors.try_set(Vec::new());
            },
            move |e| {
                errors.try_set(if e.fields.is_empty() {
                    vec![FieldError {
                        field: "outcome".into(),
                        message: e.message,
                    }]
                } else {
                    e.fields
                });
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
                        aria-disabled=move || st.busy.get().then_some("true")>"Uitkomst opslaan"</button>
                </p>
            </form>
        </details>
    }
}

#[component]
fn TimelineSection(d: CaseDetail, st: St) -> impl IntoView {
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
                            {open_outcome.then(|| view! { <OutcomeForm index=i st=st/> })}
                        </li>
                    }
                }).collect_view()}
            </ol>
        </section>
    }
}

#[component]
fn ForwardSection(d: CaseDetail, st: St, can_forward: bool) -> impl IntoView {
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
                match st.dir.get() {
                    None => view! { <p class="utrecht-paragraph" role="status">"Bezig met laden…"</p> }.into_any(),
                    Some(Err(m)) => view! { <ErrorAlert message=format!("Het deelnemersoverzicht kon niet worden geladen: {m}")/> }.into_any(),
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
                            if st.fwd_open.get_untracked() {
                                st.fwd_open.set(false);
                                return;
                            }
                            let f = ForwardForm::new(&open_people, &open_signals);
                            st.fwd_recipients.set(f.recipients);
                            st.fwd_signals.set(f.signals);
                            st.fwd_fields.set(f.fields);
                            st.fwd_errors.set(Vec::new());
                            st.fwd_failure.set(None);
                            st.fwd_open.set(true);
                        };
                        let people = people.clone();
                        let signals = signals.clone();
                        let case_signals = case_signals.clone();
                        view! {
                            <p class="utrecht-paragraph">
                                <button type="button" id="forward-open" class="utrecht-button utrecht-button--secondary-action"
                                    aria-expanded=move || if st.fwd_open.get() { "true" } else { "false" }
                                    aria-controls="forward-form"
                                    on:click=open_form>"Doorsturen voorbereiden"</button>
                            </p>
                            {move || st.fwd_open.get().then(|| view! {
                                <ForwardFormView people=people.clone() signals=signals.clone() case_signals=case_signals.clone() st=st/>
                            })}
                        }.into_any()
                    }
                }
            }}
            <p id="forward-status" class="zicht-status" role="status" aria-live="polite">{move || st.fwd_status.get()}</p>
            {move || st.fwd_failure.get().map(|m| view! { <ErrorAlert id="forward-error" message=m/> })}
        </section>
    }
}

#[component]
fn ForwardFormView(
    people: Vec<zicht_model::Participant>,
    signals: Vec<zicht_model::Signal>,
    case_signals: Vec<String>,
    st: St,
) -> impl IntoView {
    let submit = {
        let people = people.clone();
        move || {
            let form = ForwardForm {
                recipients: st.fwd_recipients.get_untracked(),
                signals: st.fwd_signals.get_untracked(),
                fields: st.fwd_fields.get_untracked(),
                basis_kind: st.fwd_kind.get_untracked(),
                explanation: st.fwd_explanation.get_untracked(),
                reason: st.fwd_reason.get_untracked(),
            };
            let input = form.input(&people, &case_signals);
            let id = st.id();
            st.fwd_failure.set(None);
            st.fwd_status.set(String::new());
            st.act(
                async move { api::forward_case(&id, &input).await },
                "forward-heading",
                move |item| {
                    st.fwd_status.try_set(forward_status_text(&item));
                    st.fwd_errors.try_set(Vec::new());
                    st.fwd_open.try_set(false);
                    st.fwd_kind.try_set(String::new());
                    st.fwd_explanation.try_set(String::new());
                    st.fwd_reason.try_set(String::new());
                },
                move |e| {
                    let rest = unplaced(&e.fields, |f| {
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
                    let mut msg = e.message.clone();
                    if !rest.is_empty() {
                        msg = format!("{msg} {}", rest.join(" "));
                    }
                    st.fwd_failure.try_set(Some(msg));
                    st.fwd_errors.try_set(e.fields);
                },
            );
        }
    };
    let errors = st.fwd_errors;
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
                            checked=Signal::derive(move || st.fwd_recipients.with(|c| c.contains(&pid)))
                            on_toggle=Callback::new(move |on: bool| st.fwd_recipients.update(|c| toggle(c, &pid2, on)))/>
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
                            checked=Signal::derive(move || st.fwd_signals.with(|c| c.contains(&sid)))
                            on_toggle=Callback::new(move |on: bool| st.fwd_signals.update(|c| toggle(c, &sid2, on)))/>
                    }
                }).collect_view()}
            </Fieldset>
            <Fieldset legend="Welke gegevens gaan mee (alleen wat de tafel nodig heeft)" id="forward-fields"
                error=field_error(errors, "fields") error_for="forward-fields">
                {ShareField::ALL.iter().copied().map(|f| view! {
                    <ValueCheckbox id=choice_id("forward-field", f.wire()) class="forward-field" value=f.wire()
                        label=f.label()
                        checked=Signal::derive(move || st.fwd_fields.with(|s| s.contains(&f)))
                        on_toggle=Callback::new(move |on: bool| st.fwd_fields.update(|s| toggle(s, &f, on)))/>
                }).collect_view()}
            </Fieldset>
            <SelectField id="forward-basis-kind" label="Grondslag" value=st.fwd_kind
                options=options(LegalBasisKind::ALL, LegalBasisKind::wire, LegalBasisKind::label)
                error=field_error(errors, "legal_basis.kind") placeholder="Kies een grondslag"/>
            <TextAreaField id="forward-basis-explanation" label="Toelichting op de grondslag" value=st.fwd_explanation
                error=field_error(errors, "legal_basis.explanation")/>
            <TextAreaField id="forward-reason" label="Waarom naar de tafel" value=st.fwd_reason
                error=field_error(errors, "reason")/>
            <p class="utrecht-paragraph">
                <button type="submit" id="forward-submit" class="utrecht-button utrecht-button--primary-action"
                    aria-disabled=move || st.busy.get().then_some("true")>"Versturen naar de regionale tafel"</button>
            </p>
        </form>
    }
}
