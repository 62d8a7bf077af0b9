//! Verzenden: the bundles waiting for the endpoint, and saving one as a file.

use crate::api;
use crate::logic::errors::{export_failure_text, message};
use crate::logic::exchange::{outbox_state_text, outbox_waiting_hint, size_text};
use crate::logic::format::datetime_nl;
use crate::state::{every_refresh, loading, Loaded};
use crate::widgets::{Column, DataTable, ErrorAlert, Loadable};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;
use zicht_model::OutboxItem;

const COLUMNS: &[Column] = &[
    Column::text("Aangemaakt"),
    Column::text("Ontvangers"),
    Column::numeric("Signalen"),
    Column::numeric("Grootte"),
    Column::text("Status"),
    Column::text("Bestand"),
];

/// Saving bundles as files: where each was saved (by bundle id), the latest save in words, its
/// failure, and one export at a time (the "save as" dialog waits for the user).
#[derive(Clone, Copy)]
struct Export {
    saved: RwSignal<BTreeMap<String, String>>,
    status: RwSignal<String>,
    failure: RwSignal<Option<String>>,
    exporting: RwSignal<bool>,
}

impl Export {
    fn new() -> Self {
        Export {
            saved: RwSignal::new(BTreeMap::new()),
            status: RwSignal::new(String::new()),
            failure: RwSignal::new(None),
            exporting: RwSignal::new(false),
        }
    }
}

#[component]
pub(super) fn OutboxSection() -> impl IntoView {
    let items: Loaded<Vec<OutboxItem>> = loading();
    let hint = RwSignal::new(None::<&'static str>);
    let load = move || {
        spawn_local(async move {
            let fresh = Some(api::outbox().await.map_err(message));
            let why = match (&fresh, api::sync_status().await) {
                (Some(Ok(list)), Ok(s)) => outbox_waiting_hint(&s, list),
                _ => None,
            };
            // Only re-render when something changed (keeps focus and the reader's place).
            // try_: the screen may be gone by the time the answer comes.
            if items.try_with_untracked(|v| *v != fresh) == Some(true) {
                items.try_set(fresh);
            }
            if hint.try_with_untracked(|v| *v != why) == Some(true) {
                hint.try_set(why);
            }
        })
    };
    load();
    every_refresh(load);
    let Export {
        saved,
        status,
        failure,
        exporting,
    } = Export::new();
    // `ask`: choose the place in the "save as" dialog; else straight to the download folder.
    let export = move |id: String, ask: bool| {
        if exporting.get_untracked() {
            return;
        }
        exporting.set(true);
        status.set(String::new());
        failure.set(None);
        spawn_local(async move {
            let saved_at = if ask {
                api::export_bundle_as(&id).await
            } else {
                api::export_bundle(&id).await.map(Some)
            };
            match saved_at {
                Ok(None) => {
                    status.try_set("Niet opgeslagen: u heeft het venster gesloten.".into());
                }
                Ok(Some(path)) => {
                    status.try_set(format!("Opgeslagen als {path}"));
                    saved.try_update(|s| {
                        s.insert(id, path);
                    });
                }
                Err(e) => {
                    failure.try_set(Some(export_failure_text(
                        "Opslaan als bestand is mislukt",
                        &e,
                    )));
                }
            }
            exporting.try_set(false);
        });
    };
    view! {
        <section class="zicht-section" aria-labelledby="outbox-heading">
            <h2 id="outbox-heading" class="utrecht-heading-2">"Verzenden"</h2>
            <p class="utrecht-paragraph">
                "Verstuurde signalen wachten hier op een verbinding met het regionale knooppunt. "
                "U kunt een bundel ook als bestand opslaan en dat zelf naar de ontvanger brengen. "
                "Het bestand is versleuteld: alleen de gekozen ontvangers kunnen het openen."
            </p>
            {move || hint.get().map(|h| view! { <p class="utrecht-paragraph" id="outbox-hint">{h}</p> })}
            <p id="outbox-status" class="zicht-status" role="status" aria-live="polite">{move || status.get()}</p>
            {move || failure.get().map(|m| view! { <ErrorAlert id="outbox-error" message=m/> })}
            <Loadable data=items failed="De verzendlijst kon niet worden geladen"
                empty=|| view! {
                    <p class="utrecht-paragraph" id="outbox">"Er staat niets klaar om te verzenden. Versturen doet u vanuit een signaal."</p>
                }
                let:list>
                <DataTable id="outbox" region="Verzendlijst" columns=COLUMNS>
                    {list.into_iter().map(|item| {
                        let id = item.id.clone();
                        let id_as = item.id.clone();
                        let id2 = item.id.clone();
                        let created = datetime_nl(&item.created_at);
                        let path = move || saved.with(|s| s.get(&id2).cloned());
                        let exported = item.exported_at.map(|t| format!("Als bestand opgeslagen op {}.", datetime_nl(&t)));
                        view! {
                            <tr class="utrecht-table__row outbox-row" data-id=item.id.clone()>
                                <td class="utrecht-table__cell">{created.clone()}</td>
                                <td class="utrecht-table__cell">{item.recipients.join(", ")}</td>
                                <td class="utrecht-table__cell utrecht-table__cell--numeric-data">{item.signal_ids.len()}</td>
                                <td class="utrecht-table__cell utrecht-table__cell--numeric-data">{size_text(item.size)}</td>
                                <td class="utrecht-table__cell outbox-state">{outbox_state_text(&item.state)}</td>
                                <td class="utrecht-table__cell">
                                    <button type="button" class="utrecht-button utrecht-button--secondary-action outbox-export"
                                        aria-disabled=move || exporting.get().then_some("true")
                                        on:click=move |_| export(id.clone(), false)>
                                        "Opslaan in Downloads"
                                        <span class="zicht-visually-hidden">{format!(" (bundel van {created})")}</span>
                                    </button>
                                    " "
                                    <button type="button" class="utrecht-button utrecht-button--secondary-action outbox-export-as"
                                        aria-disabled=move || exporting.get().then_some("true")
                                        on:click=move |_| export(id_as.clone(), true)>
                                        "Opslaan als…"
                                        <span class="zicht-visually-hidden">{format!(" (bundel van {created}, kies de plek, bijvoorbeeld een USB-stick)")}</span>
                                    </button>
                                    {exported.map(|t| view! { <p class="utrecht-paragraph outbox-exported">{t}</p> })}
                                    {move || path().map(|p| view! {
                                        <p class="utrecht-paragraph outbox-saved">"Opgeslagen als " <code class="zicht-key">{p}</code></p>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </DataTable>
            </Loadable>
        </section>
    }
}
