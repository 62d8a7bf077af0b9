//! The table of signals matching a filter (the Signalen screen and the running control).

use crate::api;
use crate::ctx::{use_ctx, View};
use crate::logic::errors::message;
use crate::logic::filter::{page_of, PAGE};
use crate::logic::format::{datetime_nl, forms_text};
use crate::state::{loading, Loaded};
use crate::widgets::{Column, DataTable, ListCount, Loadable, Loading};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use zicht_model::{SignalFilter, SignalSummary};

/// A table of signals matching `filter`, reloaded whenever the filter changes, with the count
/// announced politely.
#[component]
pub fn SignalTable(#[prop(into)] filter: Signal<SignalFilter>, id: &'static str) -> impl IntoView {
    let ctx = use_ctx();
    let rows: Loaded<Vec<SignalSummary>> = loading();
    // Only the answer to the latest request counts (typing fires many).
    let seq = Arc::new(AtomicU64::new(0));
    Effect::new(move |_| {
        let f = filter.get();
        let me = seq.fetch_add(1, Ordering::SeqCst) + 1;
        let seq = seq.clone();
        spawn_local(async move {
            let result = api::list_signals(&f).await.map_err(message);
            if seq.load(Ordering::SeqCst) == me {
                rows.set(Some(result));
            }
        });
    });
    let count_id = format!("{id}-count");
    // Long lists are drawn a page at a time; a new filter starts at the first page.
    let shown = RwSignal::new(PAGE);
    Effect::new(move |_| {
        filter.track();
        shown.set(PAGE);
    });

    view! {
        <ListCount data=rows id=count_id one="signaal" many="signalen"/>
        <Loadable data=rows failed="De signalen konden niet worden geladen" loading=Loading::Hidden
            empty=move || view! { <p class="utrecht-paragraph" id=id>"Geen signalen gevonden."</p> }
            let:list>
            {move || {
            let (k, more) = page_of(list.len(), shown.get());
            let page: Vec<SignalSummary> = list.iter().take(k).cloned().collect();
            view! {
            <DataTable id=id region="Lijst van signalen" columns=COLUMNS>
                {page.into_iter().map(|s| {
                    let sid = s.id.clone();
                    let when = datetime_nl(&s.observed_at);
                    view! {
                        <tr class="utrecht-table__row signal-row" data-id=s.id.clone()>
                            <td class="utrecht-table__cell">{when.clone()}</td>
                            <td class="utrecht-table__cell">{s.kind.label()}</td>
                            <td class="utrecht-table__cell">{s.sector.label()}</td>
                            <td class="utrecht-table__cell">{forms_text(&s.forms)}</td>
                            <td class="utrecht-table__cell">{s.location.clone()}</td>
                            <td class="utrecht-table__cell">{s.urgency.label()}</td>
                            <td class="utrecht-table__cell">{s.status.label()}</td>
                            <td class="utrecht-table__cell utrecht-table__cell--numeric-data">{s.indicator_count}</td>
                            <td class="utrecht-table__cell">
                                <button type="button" class="utrecht-button utrecht-button--secondary-action signal-open"
                                    on:click=move |_| ctx.go(View::Detail(sid.clone()))>
                                    "Bekijken" <span class="zicht-visually-hidden">{format!(" (signaal van {when})")}</span>
                                </button>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </DataTable>
            {more.map(|line| view! {
                <p class="utrecht-paragraph" id=format!("{id}-more-line")>
                    {line} " "
                    <button type="button" id=format!("{id}-more") class="utrecht-button utrecht-button--secondary-action"
                        on:click=move |_| shown.update(|s| *s += PAGE)>"Meer tonen"</button>
                </p>
            })}
            }
            }}
        </Loadable>
    }
}

const COLUMNS: &[Column] = &[
    Column::text("Waargenomen"),
    Column::text("Soort"),
    Column::text("Sector"),
    Column::text("Vormen"),
    Column::text("Locatie"),
    Column::text("Urgentie"),
    Column::text("Status"),
    Column::numeric("Indicatoren"),
    Column::hidden("Actie"),
];
