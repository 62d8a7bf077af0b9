//! One signal in full, with its meldroute advice.

use crate::api;
use crate::ctx::{use_ctx, View};
use crate::logic::checklist::indicator_text;
use crate::logic::errors::failure_text;
use crate::logic::exchange::{
    eligible_recipients, outbox_for_signal, outbox_state_text, participant_text, recipient_field_id,
};
use crate::logic::format::{date_nl, datetime_nl, forms_text};
use crate::state::{every_refresh, load_into, loading, FormStatus, Loaded};
use crate::widgets::{
    AdviceList, CheckboxField, Column, DataItem, DataTable, ErrorAlert, Fieldset, Loadable,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeSet;
use zicht_model::{DirectoryStatus, OutboxItem, SavedSignal};

#[component]
pub fn DetailScreen(id: String) -> impl IntoView {
    let ctx = use_ctx();
    let data: Loaded<SavedSignal> = loading();
    load_into(data, async move { api::get_signal(&id).await });

    view! {
        <h1 class="utrecht-heading-1" tabindex="-1">"Signaal"</h1>
        <p class="utrecht-paragraph">
            <button type="button" id="detail-back" class="utrecht-button utrecht-button--secondary-action"
                on:click=move |_| ctx.go(View::Signalen)>"Terug naar signalen"</button>
        </p>
        <Loadable data=data failed="Het signaal kon niet worden geopend" let:saved>
            <Detail saved=saved/>
        </Loadable>
    }
}

#[component]
fn Detail(saved: SavedSignal) -> impl IntoView {
    let ctx = use_ctx();
    let s = saved.signal;
    let location = if s.location.description.is_empty() {
        "Niet opgegeven".to_string()
    } else {
        s.location.description.clone()
    };
    let indicators = s.indicators.clone();
    let persons = s.persons.clone();
    let retention = if s.case_id.is_some() {
        "Volgt de bewaartermijn van de casus".to_string()
    } else {
        date_nl(&s.retention_until)
    };
    view! {
        <section id="signal-detail" aria-labelledby="detail-heading" data-id=s.id.clone()>
            <h2 id="detail-heading" class="utrecht-heading-2">
                {format!("{} van {}", s.kind.label(), datetime_nl(&s.observed_at))}
            </h2>
            <dl class="utrecht-data-list zicht-data-list">
                <DataItem key="Soort">{s.kind.label()}</DataItem>
                <DataItem key="Status">{s.status.label()}</DataItem>
                <DataItem key="Urgentie">{s.urgency.label()}</DataItem>
                <DataItem key="Waargenomen op">{datetime_nl(&s.observed_at)}</DataItem>
                <DataItem key="Vastgelegd op">{format!("{} door {}", datetime_nl(&s.recorded_at), s.recorded_by)}</DataItem>
                <DataItem key="Gemeente">{s.municipality.clone()}</DataItem>
                <DataItem key="Bron">{s.source.label()}</DataItem>
                <DataItem key="Sector">{s.sector.label()}</DataItem>
                <DataItem key="Locatie">{location}</DataItem>
                <DataItem key="Vormen van uitbuiting">{forms_text(&s.forms)}</DataItem>
                <DataItem key="Waarneming"><span class="zicht-multiline">{s.observation.clone()}</span></DataItem>
                <DataItem key="Bewaren tot">{retention}</DataItem>
                {s.received_from.clone().map(|r| view! { <DataItem key="Ontvangen van">{r}</DataItem> })}
                {s.control_id.clone().map(|_| view! { <DataItem key="Controle">"Vastgelegd tijdens een controle"</DataItem> })}
                {s.case_id.clone().map(|c| {
                    let go = c.clone();
                    view! {
                        <DataItem key="Casus">
                            <button type="button" id="detail-open-case" class="utrecht-button utrecht-button--subtle"
                                on:click=move |_| ctx.go(View::Casus(go.clone()))>"Casus openen"</button>
                        </DataItem>
                    }
                })}
            </dl>
            <h3 class="utrecht-heading-3">{format!("Indicatoren ({}, signaalkaarten versie {})", indicators.len(), s.card_set_version)}</h3>
            {if indicators.is_empty() {
                view! { <p class="utrecht-paragraph">"Geen indicatoren aangevinkt."</p> }.into_any()
            } else {
                view! {
                    <ul class="utrecht-unordered-list" id="detail-indicators">
                        {indicators.into_iter().map(|id| {
                            let text = move || ctx.cards.with(|c| indicator_text(c.as_ref(), &id));
                            view! { <li class="utrecht-unordered-list__item detail-indicator">{text}</li> }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <h3 class="utrecht-heading-3">"Betrokken personen"</h3>
            {if persons.is_empty() {
                view! { <p class="utrecht-paragraph">"Geen personen vastgelegd."</p> }.into_any()
            } else {
                view! {
                    <DataTable id="detail-persons" columns=PERSON_COLUMNS>
                        {persons.into_iter().map(|p| view! {
                            <tr class="utrecht-table__row">
                                <td class="utrecht-table__cell">{p.label.clone()}</td>
                                <td class="utrecht-table__cell">{p.role.label()}</td>
                                <td class="utrecht-table__cell">{p.age_band.label()}</td>
                                <td class="utrecht-table__cell">{if p.involves_minor() { "Ja" } else { "Nee" }}</td>
                                <td class="utrecht-table__cell">{p.nationality.clone().unwrap_or_else(|| "Onbekend".into())}</td>
                            </tr>
                        }).collect_view()}
                    </DataTable>
                }.into_any()
            }}
            <h3 class="utrecht-heading-3">"Meldroute-advies"</h3>
            <AdviceList steps=saved.advice/>
            <SendSection signal_id=s.id.clone()/>
        </section>
    }
}

const PERSON_COLUMNS: &[Column] = &[
    Column::text("Label"),
    Column::text("Rol"),
    Column::text("Leeftijd"),
    Column::text("Minderjarig"),
    Column::text("Nationaliteit"),
];

/// "Versturen": seal this signal for chosen attention officers or the regional table.
#[component]
fn SendSection(signal_id: String) -> impl IntoView {
    let ctx = use_ctx();
    let dir: Loaded<Option<DirectoryStatus>> = loading();
    let sent = RwSignal::new(Vec::<OutboxItem>::new());
    let chosen = RwSignal::new(BTreeSet::<String>::new());
    let form = FormStatus::new();
    let status = RwSignal::new(String::new());
    // The list's own error (it reloads every few seconds; a send error stays apart).
    let list_failure = RwSignal::new(None::<String>);
    let load_sent = {
        let id = signal_id.clone();
        move || {
            let id = id.clone();
            spawn_local(async move {
                match api::outbox().await {
                    Ok(all) => {
                        // Only on a change: keeps the reader's place in the list. try_: the
                        // screen may be gone by the time the answer comes.
                        let mine = outbox_for_signal(&all, &id);
                        if sent.try_with_untracked(|v| *v != mine) == Some(true) {
                            sent.try_set(mine);
                        }
                        list_failure.try_set(None);
                    }
                    Err(e) => {
                        list_failure.try_set(Some(failure_text(
                            "De verzendlijst kon niet worden geladen",
                            &e,
                        )));
                    }
                }
            });
        }
    };
    load_into(dir, api::directory_status());
    load_sent();
    // The background sync changes the states (wacht → verzonden): follow them.
    every_refresh(load_sent.clone());
    let submit = {
        let id = signal_id.clone();
        move || {
            if !form.begin() {
                return;
            }
            let recipients: Vec<String> = chosen.get_untracked().into_iter().collect();
            let signals = vec![id.clone()];
            let load_sent = load_sent.clone();
            status.set(String::new());
            spawn_local(async move {
                match api::send_signals(&signals, &recipients).await {
                    Ok(item) => {
                        form.succeeded();
                        chosen.try_set(BTreeSet::new());
                        status.try_set(format!(
                            "Klaargezet voor {}. De status staat hieronder bij de verzendingen.",
                            item.recipients.join(", ")
                        ));
                        load_sent();
                    }
                    Err(e) => form.failed(e, Some("Versturen is mislukt")),
                }
            });
        }
    };
    let own = ctx.profile.get_untracked().map(|p| p.municipality);
    let recipients_form = move |d: DirectoryStatus| -> AnyView {
        let people = eligible_recipients(&d, own.as_deref());
        if people.is_empty() {
            return view! {
                    <p class="utrecht-paragraph" id="send-no-recipients">
                        "Het deelnemersoverzicht noemt geen aandachtsfunctionaris van uw gemeente om dit signaal aan te versturen. Naar de regionale tafel gaat een signaal via een casus van de aandachtsfunctionaris, met een grondslag."
                    </p>
                }.into_any();
        }
        let submit = submit.clone();
        // Recipients verify the sender against their directory: until theirs lists
        // this device, they hold what it sends unread.
        let unlisted = d.me.is_none().then(|| view! {
                <p class="utrecht-paragraph" id="send-unlisted">
                    <strong>"Let op: "</strong>
                    "dit apparaat staat nog niet in het deelnemersoverzicht. De ontvanger kan wat u verstuurt pas lezen als het deelnemersoverzicht van de ontvanger dit apparaat bevat. "
                    "Geef de sleutels van dit apparaat (onder Uitwisseling) aan de regiocoördinator."
                </p>
            });
        view! {
                {unlisted}
                <form class="utrecht-form" novalidate=true on:submit=move |ev| { ev.prevent_default(); submit(); }>
                    <Fieldset legend="Ontvangers" id="send-recipients"
                        error=form.field("recipients") error_for="send-recipients">
                        <p class="utrecht-paragraph" id="send-recipients-help">
                            "Het signaal wordt versleuteld voor de gekozen ontvangers: alleen zij kunnen het lezen."
                        </p>
                        {people.into_iter().map(|p| {
                            let pid = p.id.clone();
                            let pid2 = p.id.clone();
                            view! {
                                <CheckboxField id=recipient_field_id(&p.id) label=participant_text(&p)
                                    checked=Signal::derive(move || chosen.with(|c| c.contains(&pid)))
                                    on_toggle=Callback::new(move |on: bool| chosen.update(|c| {
                                        if on { c.insert(pid2.clone()); } else { c.remove(&pid2); }
                                    }))/>
                            }
                        }).collect_view()}
                    </Fieldset>
                    <p class="utrecht-paragraph">
                        <button type="submit" id="send-submit" class="utrecht-button utrecht-button--primary-action"
                            aria-disabled=move || form.disabled()>"Versturen"</button>
                    </p>
                </form>
            }.into_any()
    };
    let no_directory = move || matches!(dir.get(), Some(Ok(None)));
    // A memo, so the button is only rebuilt when it appears or goes, not on every reload of
    // the list: a rebuilt button would lose the keyboard focus (and a click in flight).
    let show_go = Memo::new(move |_| no_directory() || !sent.with(Vec::is_empty));
    view! {
        <section id="send-signal" class="zicht-section" aria-labelledby="send-heading">
            <h3 id="send-heading" class="utrecht-heading-3">"Versturen"</h3>
            <Loadable data=dir failed="Het deelnemersoverzicht kon niet worden geladen"
                empty=|| view! {
                    <p class="utrecht-paragraph" id="send-no-directory">
                        "Om een signaal te versturen moet eerst het deelnemersoverzicht van de regio zijn ingelezen. "
                        "Dat bestand krijgt u van de regiocoördinator; u leest het in onder Uitwisseling."
                    </p>
                }
                let:dir>
                {dir.map(recipients_form.clone())}
            </Loadable>
            <p id="send-status" class="zicht-status" role="status" aria-live="polite">{move || status.get()}</p>
            {move || form.failure.get().map(|m| view! { <ErrorAlert id="send-error" message=m/> })}
            {move || list_failure.get().map(|m| view! { <ErrorAlert id="send-list-error" message=m/> })}
            {move || (!sent.with(Vec::is_empty)).then(|| view! {
                <h4 class="utrecht-heading-4">"Verzendingen van dit signaal"</h4>
                <ul class="utrecht-unordered-list" id="send-outbox">
                    {sent.get().into_iter().map(|i| view! {
                        <li class="utrecht-unordered-list__item send-outbox-item">
                            {format!("{}, aan {}: {}", datetime_nl(&i.created_at), i.recipients.join(", "), outbox_state_text(&i.state))}
                        </li>
                    }).collect_view()}
                </ul>
            })}
            {move || show_go.get().then(|| view! {
                <p class="utrecht-paragraph">
                    <button type="button" id="send-go-exchange" class="utrecht-button utrecht-button--secondary-action"
                        on:click=move |_| ctx.go(View::Uitwisseling)>"Naar Uitwisseling"</button>
                </p>
            })}
        </section>
    }
}
