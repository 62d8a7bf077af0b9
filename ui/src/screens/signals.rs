//! Signalen: the list of recorded signals with filters applied as you type.

use crate::api;
use crate::app::{use_ctx, View};
use crate::logic::filter::{build_filter, is_filtered, FilterInputs};
use crate::logic::format::{count_text, datetime_nl, forms_text};
use crate::widgets::{ErrorAlert, SelectField, TextField};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use zicht_model::{Form, Sector, SignalFilter, SignalStatus, SignalSummary};

#[component]
pub fn SignalsScreen() -> impl IntoView {
    let form = RwSignal::new(String::new());
    let sector = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let inputs = Memo::new(move |_| FilterInputs {
        form: form.get(),
        sector: sector.get(),
        status: status.get(),
        from: from.get(),
        to: to.get(),
        text: text.get(),
    });
    let filter = Memo::new(move |_| inputs.with(build_filter));
    let no_error = Signal::derive(|| None::<String>);
    let opts = |all: Vec<(&'static str, &'static str)>| -> Vec<(String, String)> {
        all.into_iter()
            .map(|(w, l)| (w.to_string(), l.to_string()))
            .collect()
    };
    let form_opts = opts(Form::ALL.iter().map(|f| (f.wire(), f.label())).collect());
    let sector_opts = opts(Sector::ALL.iter().map(|s| (s.wire(), s.label())).collect());
    let status_opts = opts(
        SignalStatus::ALL
            .iter()
            .map(|s| (s.wire(), s.label()))
            .collect(),
    );
    let clear = move |_| {
        for s in [form, sector, status, from, to, text] {
            s.set(String::new());
        }
    };

    view! {
        <h1 class="utrecht-heading-1" tabindex="-1">"Signalen"</h1>
        <form class="utrecht-form zicht-filters" role="search" aria-label="Signalen filteren" on:submit=|ev| ev.prevent_default()>
            <TextField id="filter-text" label="Zoeken in waarneming en locatie" kind="search" value=text error=no_error/>
            <SelectField id="filter-form" label="Vorm van uitbuiting" value=form options=form_opts error=no_error placeholder="Alle vormen"/>
            <SelectField id="filter-sector" label="Sector" value=sector options=sector_opts error=no_error placeholder="Alle sectoren"/>
            <SelectField id="filter-status" label="Status" value=status options=status_opts error=no_error placeholder="Alle statussen"/>
            <TextField id="filter-from" label="Waargenomen vanaf" kind="date" value=from error=no_error/>
            <TextField id="filter-to" label="Waargenomen tot en met" kind="date" value=to error=no_error/>
            {move || inputs.with(is_filtered).then(|| view! {
                <p class="utrecht-paragraph zicht-filters__clear">
                    <button type="button" id="filter-clear" class="utrecht-button utrecht-button--secondary-action" on:click=clear>"Filters wissen"</button>
                </p>
            })}
        </form>
        <SignalTable filter=filter id="signal-list"/>
    }
}

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
