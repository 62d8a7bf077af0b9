//! Binnengekomen: bundles other devices sent here. The attention officer takes the signals
//! into their own list or marks the bundle as not relevant; the regional table decides on a
//! case and sends the decision back. The list is re-read every few seconds (the background
//! sync may bring new bundles).

use crate::api;
use crate::ctx::use_ctx;
use crate::dom::{focus_id, now};
use crate::logic::errors::{failure_text, message, with_reason};
use crate::logic::format::{choices, count_text, datetime_nl, forms_text};
use crate::logic::incoming::{
    accepted_text, basis_text, can_accept, can_decide, decision_sent_text, incoming_state_text,
    item_state_text, not_shared_text,
};
use crate::state::{every_refresh, loading, FormStatus, Loaded};
use crate::widgets::{
    Column, DataItem, DataTable, ErrorAlert, Loadable, SelectField, TextAreaField,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use zicht_model::{
    CaseShare, Decision, DecisionInput, Disposition, InboxItem, IncomingSummary, Role, Signal,
    Track,
};

#[component]
pub fn IncomingScreen() -> impl IntoView {
    let items: Loaded<Vec<IncomingSummary>> = loading();
    let load = move || {
        spawn_local(async move {
            let fresh = Some(api::incoming().await.map_err(message));
            // Only re-render when something changed (keeps focus and the reader's place).
            // try_: the screen may be gone by the time the answer comes.
            if items.try_with_untracked(|v| *v != fresh) == Some(true) {
                items.try_set(fresh);
            }
        })
    };
    load();
    every_refresh(load);
    let opened: Loaded<InboxItem> = loading();
    let open = move |id: String| {
        spawn_local(async move {
            let r = api::view_incoming(&id).await.map_err(message);
            if opened.try_set(Some(r)).is_none() {
                focus_id("incoming-detail-heading");
            }
        });
    };
    view! {
        <h1 class="utrecht-heading-1" tabindex="-1">"Binnengekomen"</h1>
        <p class="utrecht-paragraph">
            "Signalen en casussen die andere deelnemers van de regio aan u hebben gestuurd. "
            "Zicht heeft bij ontvangst gecontroleerd wie ze stuurde en dat ze onderweg niet zijn gewijzigd. "
            "Acute meldingen staan bovenaan."
        </p>
        <Loadable data=items failed="Binnengekomen kon niet worden geladen"
            empty=|| view! {
                <p class="utrecht-paragraph" id="incoming-empty">"Er is nog niets binnengekomen."</p>
            }
            let:list>
            <DataTable id="incoming" region="Binnengekomen bundels" columns=COLUMNS>
                {list.into_iter().map(|i| {
                    let id = i.id.clone();
                    let received = datetime_nl(&i.received_at);
                    let who = i.sender.display_name.clone();
                    view! {
                        <tr class="utrecht-table__row incoming-row" data-id=i.id.clone()>
                            <td class="utrecht-table__cell">{received.clone()}</td>
                            <td class="utrecht-table__cell">
                                {i.sender.display_name.clone()}<br/>
                                {format!("{}, {}", i.sender.municipality, i.sender.role.label())}
                            </td>
                            <td class="utrecht-table__cell utrecht-table__cell--numeric-data">{i.signals}</td>
                            <td class="utrecht-table__cell">
                                {i.acute.then(|| view! { <strong class="zicht-acute incoming-acute">"Acuut"</strong> })}
                            </td>
                            <td class="utrecht-table__cell">{i.case_title.clone().unwrap_or_default()}</td>
                            <td class="utrecht-table__cell incoming-state">{incoming_state_text(&i)}</td>
                            <td class="utrecht-table__cell">
                                <button type="button" class="utrecht-button utrecht-button--secondary-action incoming-open"
                                    on:click=move |_| open(id.clone())>
                                    "Bekijken"
                                    <span class="zicht-visually-hidden">{format!(" (van {who}, ontvangen op {received})")}</span>
                                </button>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </DataTable>
        </Loadable>
        {move || opened.get().map(|r| match r {
            Err(m) => view! { <ErrorAlert message=with_reason("Deze bundel kon niet worden geopend", &m)/> }.into_any(),
            Ok(item) => view! { <IncomingDetail item=item reload=Callback::new(move |_| load())/> }.into_any(),
        })}
    }
}

const COLUMNS: &[Column] = &[
    Column::text("Ontvangen op"),
    Column::text("Afzender"),
    Column::numeric("Signalen"),
    Column::text("Acuut"),
    Column::text("Casus"),
    Column::text("Status"),
    Column::text("Openen"),
];

/// One opened bundle with what this user may do with it.
#[component]
fn IncomingDetail(item: InboxItem, reload: Callback<()>) -> impl IntoView {
    let ctx = use_ctx();
    let role = ctx.profile.get_untracked().map(|p| p.role);
    // The item as far as this screen knows (updated after accepting, dismissing, deciding).
    let state = RwSignal::new(item.clone());
    let status = RwSignal::new(String::new());
    let decision_status = RwSignal::new(String::new());
    let table_case = role == Some(Role::RegionaleTafel) && item.payload.case.is_some();
    let sender = item.sender.clone();
    let payload = item.payload.clone();
    let received = datetime_nl(&item.received_at);
    view! {
        <section id="incoming-detail" class="zicht-section" aria-labelledby="incoming-detail-heading" data-id=item.id.clone()>
            <h2 id="incoming-detail-heading" class="utrecht-heading-2" tabindex="-1">
                {format!("Van {} ({})", sender.display_name, sender.municipality)}
            </h2>
            <dl class="utrecht-data-list zicht-data-list">
                <DataItem key="Afzender">{format!("{}, {}, {}", sender.display_name, sender.role.label(), sender.municipality)}</DataItem>
                <DataItem key="Verstuurd op">{datetime_nl(&payload.sent_at)}</DataItem>
                <DataItem key="Ontvangen op">{received}</DataItem>
                <DataItem key="Status">{move || state.with(item_state_text)}</DataItem>
            </dl>
            <p class="utrecht-paragraph" id="incoming-verified">
                {format!("Geverifieerd: ondertekend door {} volgens het deelnemersoverzicht.", sender.display_name)}
            </p>
            {payload.legal_basis.clone().map(|b| view! {
                <div id="incoming-basis">
                    <p class="utrecht-paragraph">{basis_text(&b)}</p>
                    {not_shared_text(&b).map(|t| view! { <p class="utrecht-paragraph" id="incoming-not-shared">{t}</p> })}
                    <p class="utrecht-paragraph zicht-muted">{format!("Vastgelegd door {} op {}.", b.recorded_by, datetime_nl(&b.recorded_at))}</p>
                </div>
            })}
            {payload.case.clone().map(|c| view! { <CaseShareView case=c/> })}
            {payload.decision.clone().map(|d| view! { <DecisionView decision=d id="incoming-decision" heading="Besluit van de regionale tafel"/> })}
            {move || state.with(|i| i.answered.clone()).map(|d| view! {
                <DecisionView decision=d id="incoming-answered" heading="Besluit dat u verstuurde"/>
            })}
            {(!payload.signals.is_empty()).then(|| view! {
                <h3 class="utrecht-heading-3">{count_text(payload.signals.len(), "signaal", "signalen")}</h3>
                {payload.signals.clone().into_iter().map(|s| view! { <SignalView signal=s/> }).collect_view()}
            })}
            {move || can_accept(role, &state.get()).then(|| view! { <OfficerActions state=state status=status reload=reload/> })}
            <p id="incoming-status" class="zicht-status" role="status" aria-live="polite">{move || status.get()}</p>
            {move || can_decide(role, &state.get()).then(|| view! { <DecisionForm state=state status=decision_status reload=reload/> })}
            {table_case.then(|| view! {
                <p id="decision-status" class="zicht-status" role="status" aria-live="polite">{move || decision_status.get()}</p>
            })}
        </section>
    }
}

#[component]
fn CaseShareView(case: CaseShare) -> impl IntoView {
    view! {
        <h3 class="utrecht-heading-3">"Casus"</h3>
        <dl class="utrecht-data-list zicht-data-list" id="incoming-case">
            <DataItem key="Titel">{case.title.clone()}</DataItem>
            <DataItem key="Gemeente">{case.municipality.clone()}</DataItem>
            <DataItem key="Acuut">{if case.acute { "Ja" } else { "Nee" }}</DataItem>
            <DataItem key="Weging">
                {match case.weging.clone() {
                    Some(w) => format!("{}: {} ({}, {})", w.level.label(), w.motivation, w.author, datetime_nl(&w.at)),
                    None => "Nog niet gewogen".to_string(),
                }}
            </DataItem>
        </dl>
        {(!case.notes.is_empty()).then(|| view! {
            <h4 class="utrecht-heading-4">"Verrijking"</h4>
            <ul class="utrecht-unordered-list" id="incoming-case-notes">
                {case.notes.clone().into_iter().map(|n| view! {
                    <li class="utrecht-unordered-list__item">
                        {format!("{}, {}: ", datetime_nl(&n.at), n.author)}
                        <span class="zicht-multiline">{n.text}</span>
                    </li>
                }).collect_view()}
            </ul>
        })}
    }
}

#[component]
fn DecisionView(decision: Decision, id: &'static str, heading: &'static str) -> impl IntoView {
    view! {
        <h3 class="utrecht-heading-3">{heading}</h3>
        <dl class="utrecht-data-list zicht-data-list" id=id>
            <DataItem key="Traject">{decision.track.label()}</DataItem>
            <DataItem key="Toelichting"><span class="zicht-multiline">{decision.explanation.clone()}</span></DataItem>
            <DataItem key="Besloten">{format!("{} door {}", datetime_nl(&decision.decided_at), decision.decided_by)}</DataItem>
        </dl>
    }
}

#[component]
fn SignalView(signal: Signal) -> impl IntoView {
    let s = signal;
    let location = if s.location.description.is_empty() {
        "Niet opgegeven of niet gedeeld".to_string()
    } else {
        s.location.description.clone()
    };
    let observation = if s.observation.trim().is_empty() {
        "Niet opgegeven of niet gedeeld".to_string()
    } else {
        s.observation.clone()
    };
    view! {
        <div class="zicht-inbox-signal incoming-signal" data-id=s.id.clone()>
            <h4 class="utrecht-heading-4">{format!("{} van {}", s.kind.label(), datetime_nl(&s.observed_at))}</h4>
            <dl class="zicht-plain-list">
                <dt>"Datum"</dt><dd>{datetime_nl(&s.observed_at)}</dd>
                <dt>"Sector"</dt><dd>{s.sector.label()}</dd>
                <dt>"Vormen van uitbuiting"</dt><dd>{forms_text(&s.forms)}</dd>
                <dt>"Urgentie"</dt><dd>{s.urgency.label()}</dd>
                <dt>"Locatie"</dt><dd>{location}</dd>
                <dt>"Waarneming"</dt><dd class="zicht-multiline">{observation}</dd>
                <dt>"Betrokken personen"</dt><dd>{count_text(s.persons.len(), "persoon", "personen")}</dd>
            </dl>
        </div>
    }
}

/// The officer's choice for a plain signal bundle: take it in, or not relevant with a reason.
#[component]
fn OfficerActions(
    state: RwSignal<InboxItem>,
    status: RwSignal<String>,
    reload: Callback<()>,
) -> impl IntoView {
    let ctx = use_ctx();
    let reason = RwSignal::new(String::new());
    let form = FormStatus::new();
    let by = move || {
        ctx.profile
            .get_untracked()
            .map(|p| p.name)
            .unwrap_or_default()
    };
    let accept = move |_| {
        if !form.begin() {
            return;
        }
        let id = state.with_untracked(|i| i.id.clone());
        spawn_local(async move {
            match api::accept_incoming(&id).await {
                Ok(ids) => {
                    status.try_set(accepted_text(ids.len()));
                    reload.run(());
                    // Last: this hides the buttons (and ends this component).
                    state.try_update(|i| {
                        i.disposition = Disposition::Geaccepteerd {
                            at: now(),
                            by: by(),
                        }
                    });
                }
                Err(e) => {
                    form.failure
                        .try_set(Some(failure_text("Opnemen is mislukt", &e)));
                }
            }
            form.busy.try_set(false);
        });
    };
    let dismiss = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !form.begin() {
            return;
        }
        let id = state.with_untracked(|i| i.id.clone());
        let why = reason.get_untracked();
        spawn_local(async move {
            match api::dismiss_incoming(&id, &why).await {
                Ok(item) => {
                    status.try_set("Gemarkeerd als niet relevant. Er is niets overgenomen.".into());
                    form.succeeded();
                    reload.run(());
                    // Last: this hides the form (and ends this component).
                    state.try_set(item);
                }
                Err(e) => {
                    let at_field = !e.fields.is_empty();
                    form.failed(e, Some("Markeren als niet relevant is mislukt"));
                    if at_field {
                        focus_id("incoming-dismiss-reason");
                    }
                }
            }
        });
    };
    view! {
        <h3 class="utrecht-heading-3">"Wat doet u ermee?"</h3>
        {move || form.failure.get().map(|m| view! { <ErrorAlert id="incoming-error" message=m/> })}
        <p class="utrecht-paragraph">
            <button type="button" id="incoming-accept" class="utrecht-button utrecht-button--primary-action"
                aria-disabled=move || form.disabled() on:click=accept>"Opnemen in mijn signalen"</button>
        </p>
        <form class="utrecht-form" novalidate=true on:submit=dismiss>
            <TextAreaField id="incoming-dismiss-reason" label="Reden (niet relevant)" value=reason
                error=form.field("reason")
                description="De bundel blijft bewaard met deze reden; er wordt niets overgenomen."/>
            <p class="utrecht-paragraph">
                <button type="submit" id="incoming-dismiss" class="utrecht-button utrecht-button--secondary-action"
                    aria-disabled=move || form.disabled()>"Niet relevant"</button>
            </p>
        </form>
    }
}

/// The regional table's decision on a received case.
#[component]
fn DecisionForm(
    state: RwSignal<InboxItem>,
    status: RwSignal<String>,
    reload: Callback<()>,
) -> impl IntoView {
    let ctx = use_ctx();
    let track = RwSignal::new(String::new());
    let explanation = RwSignal::new(String::new());
    let form = FormStatus::new();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if form.busy.get_untracked() {
            return;
        }
        let id = state.with_untracked(|i| i.id.clone());
        let case_id = state.with_untracked(|i| {
            i.payload
                .case
                .as_ref()
                .map(|c| c.case_id.clone())
                .unwrap_or_default()
        });
        let input = DecisionInput {
            track: Track::from_wire(&track.get_untracked()),
            explanation: explanation.get_untracked(),
        };
        form.begin();
        status.set(String::new());
        spawn_local(async move {
            match api::decide_case(&id, &input).await {
                Ok(out) => {
                    form.succeeded();
                    status.try_set(decision_sent_text(&out));
                    reload.run(());
                    if let Some(t) = input.track {
                        let by = ctx
                            .profile
                            .get_untracked()
                            .map(|p| p.name)
                            .unwrap_or_default();
                        state.try_update(|i| {
                            i.answered = Some(Decision {
                                case_id,
                                track: t,
                                explanation: input.explanation.trim().to_string(),
                                decided_at: now(),
                                decided_by: by,
                            })
                        });
                    }
                }
                Err(e) => form.failed(e, Some("Het besluit is niet verstuurd")),
            }
        });
    };
    let options = choices(Track::ALL, Track::wire, Track::label);
    view! {
        <h3 class="utrecht-heading-3">"Besluit van de tafel"</h3>
        {move || form.failure.get().map(|m| view! { <ErrorAlert id="decision-error" message=m/> })}
        <form class="utrecht-form" novalidate=true on:submit=submit>
            <SelectField id="decision-track" label="Traject" value=track options=options
                placeholder="Kies een traject" error=form.field("track")/>
            <TextAreaField id="decision-explanation" label="Toelichting" value=explanation
                error=form.field("explanation")
                description="Het besluit gaat versleuteld terug naar de gemeente die de casus inbracht."/>
            <p class="utrecht-paragraph">
                <button type="submit" id="decision-submit" class="utrecht-button utrecht-button--primary-action"
                    aria-disabled=move || form.disabled()>"Besluit versturen"</button>
            </p>
        </form>
    }
}
