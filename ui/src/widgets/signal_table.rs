//! The table of signals matching a filter (the Signalen screen and the running control).

use crate::api;
use crate::ctx::{use_ctx, View};
use crate::logic::format::{count_text, datetime_nl, forms_text};
use crate::widgets::ErrorAlert;
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
    let rows = RwSignal::new(None::<Result<Vec<SignalSummary>, String>>);
    // Only the answer to the latest request counts (typing fires many).
    let seq = Arc::new(AtomicU64::new(0));
    Effect::new(move |_| {
        let f = filter.get();
        let me = seq.fetch_add(1, Ordering::SeqCst) + 1;
        let seq = seq.clone();
        spawn_local(async move {
            let result = api::list_signals(&f).await.map_err(|e| e.message);
            if seq.load(Ordering::SeqCst) == me {
                rows.set(Some(result));
            }
        });
    });
    let count_id = format!("{id}-count");

    view! {
        <p class="utrecht-paragraph zicht-count" id=count_id role="status" aria-live="polite">
            {move || match rows.get() {
                Some(Ok(r)) => count_text(r.len(), "signaal", "signalen"),
                Some(Err(_)) => String::new(),
                None => "Bezig met laden…".into(),
            }}
        </p>
        {move || match rows.get() {
            None => ().into_any(),
            Some(Err(m)) => view! { <ErrorAlert message=format!("De signalen konden niet worden geladen: {m}")/> }.into_any(),
            Some(Ok(list)) if list.is_empty() => view! {
                <p class="utrecht-paragraph" id=id>"Geen signalen gevonden."</p>
            }.into_any(),
            Some(Ok(list)) => view! {
                <div class="zicht-table-scroll" role="region" aria-label="Lijst van signalen" tabindex="0">
                <table class="utrecht-table utrecht-table--html-table zicht-table" id=id>
                    <thead class="utrecht-table__header">
                        <tr class="utrecht-table__row">
                            <th class="utrecht-table__header-cell" scope="col">"Waargenomen"</th>
                            <th class="utrecht-table__header-cell" scope="col">"Soort"</th>
                            <th class="utrecht-table__header-cell" scope="col">"Sector"</th>
                            <th class="utrecht-table__header-cell" scope="col">"Vormen"</th>
                            <th class="utrecht-table__header-cell" scope="col">"Locatie"</th>
                            <th class="utrecht-table__header-cell" scope="col">"Urgentie"</th>
                            <th class="utrecht-table__header-cell" scope="col">"Status"</th>
                            <th class="utrecht-table__header-cell utrecht-table__header-cell--numeric-column" scope="col">"Indicatoren"</th>
                            <th class="utrecht-table__header-cell" scope="col"><span class="zicht-visually-hidden">"Actie"</span></th>
                        </tr>
                    </thead>
                    <tbody class="utrecht-table__body">
                        {list.into_iter().map(|s| {
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
                    </tbody>
                </table>
                </div>
            }.into_any(),
        }}
    }
}
