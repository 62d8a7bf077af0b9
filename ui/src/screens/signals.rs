//! Signalen: the list of recorded signals with filters applied as you type.

use crate::logic::filter::{build_filter, is_filtered, FilterInputs};
use crate::widgets::{SelectField, SignalTable, TextField};
use leptos::prelude::*;
use zicht_model::{Form, Sector, SignalStatus};

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
