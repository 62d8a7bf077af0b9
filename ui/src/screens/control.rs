//! Controle: start a field control, work inside it (record signals, see them), end it, and
//! see past controls.

use crate::api;
use crate::ctx::{use_ctx, View};
use crate::logic::control::{control_input, finished, partners_text};
use crate::logic::errors::failure_text;
use crate::logic::fields::{control_field_input, summary};
use crate::logic::format::{choices, datetime_nl};
use crate::state::{load_into, loading, FormStatus, Loaded};
use crate::widgets::{
    CheckboxField, Column, DataItem, DataTable, ErrorAlert, ErrorSummary, Fieldset, Loadable,
    Loading, SelectField, SignalTable, TextField,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use zicht_model::{Control, ControlPartner, ControlType, SignalFilter};

#[component]
pub fn ControlScreen() -> impl IntoView {
    let ctx = use_ctx();
    let past: Loaded<Vec<Control>> = loading();
    let reload_past = move || load_into(past, async { api::list_controls().await.map(finished) });
    reload_past();
    // Reload the list whenever a control starts or ends.
    Effect::new(move |prev: Option<Option<String>>| {
        let id = ctx
            .active_control
            .with(|c| c.as_ref().map(|c| c.id.clone()));
        if prev.is_some() {
            reload_past();
        }
        id
    });

    view! {
        <h1 class="utrecht-heading-1" tabindex="-1">"Controle"</h1>
        {move || match ctx.active_control.get() {
            Some(c) => view! { <ActiveControl control=c/> }.into_any(),
            None => view! { <StartControl/> }.into_any(),
        }}
        <section aria-labelledby="past-controls-heading">
            <h2 id="past-controls-heading" class="utrecht-heading-2">"Eerdere controles"</h2>
            <Loadable data=past failed="De controles konden niet worden geladen" loading=Loading::Plain
                empty=|| view! { <p class="utrecht-paragraph">"Nog geen afgeronde controles."</p> }
                let:list>
                <ControlTable controls=list/>
            </Loadable>
        </section>
    }
}

const COLUMNS: &[Column] = &[
    Column::text("Soort"),
    Column::text("Locatie"),
    Column::text("Begin"),
    Column::text("Einde"),
    Column::text("Partners"),
];

#[component]
fn ControlTable(controls: Vec<Control>) -> impl IntoView {
    view! {
        <DataTable id="control-list" columns=COLUMNS bare=true>
            {controls.into_iter().map(|c| view! {
                <tr class="utrecht-table__row control-row" data-id=c.id.clone()>
                    <td class="utrecht-table__cell">{c.kind.label()}</td>
                    <td class="utrecht-table__cell">{c.location.description.clone()}</td>
                    <td class="utrecht-table__cell">{datetime_nl(&c.started_at)}</td>
                    <td class="utrecht-table__cell">{c.ended_at.as_ref().map(datetime_nl).unwrap_or_else(|| "Loopt nog".into())}</td>
                    <td class="utrecht-table__cell">{partners_text(&c.partners)}</td>
                </tr>
            }).collect_view()}
        </DataTable>
    }
}

#[component]
fn StartControl() -> impl IntoView {
    let ctx = use_ctx();
    let kind = RwSignal::new(ControlType::IntegraleControle.wire().to_string());
    let location = RwSignal::new(String::new());
    let partners = RwSignal::new(Vec::<ControlPartner>::new());
    let form = FormStatus::new();
    let (errors, failure, busy) = (form.errors, form.failure, form.busy);

    let start = move || {
        let input = partners
            .with_untracked(|p| control_input(&kind.get_untracked(), &location.get_untracked(), p));
        if !form.begin() {
            return;
        }
        spawn_local(async move {
            match api::start_control(&input).await {
                Ok(_) => {
                    form.succeeded();
                    ctx.refresh_status();
                }
                Err(e) => form.failed(e, None),
            }
        });
    };

    let kind_options = choices(ControlType::ALL, ControlType::wire, ControlType::label);
    let summary_items = Signal::derive(move || errors.with(|e| summary(e, control_field_input)));

    view! {
        <section aria-labelledby="start-control-heading">
            <h2 id="start-control-heading" class="utrecht-heading-2">"Controle starten"</h2>
            <p class="utrecht-paragraph">
                "Signalen die u tijdens een controle vastlegt, krijgen de plaats, datum en soort van de controle vanzelf mee."
            </p>
            {move || failure.get().map(|m| view! { <ErrorAlert message=m/> })}
            <ErrorSummary items=summary_items id="control-summary"/>
            <form class="utrecht-form" novalidate=true on:submit=move |ev| { ev.prevent_default(); start(); }>
                <SelectField id="control-kind" label="Soort controle" value=kind options=kind_options error=form.field("kind")/>
                <TextField id="control-location" label="Locatie" value=location error=form.field("location")
                    description="Adres of omschrijving, bijvoorbeeld de naam van het park en het huisnummer."/>
                <Fieldset legend="Aanwezige partners">
                    {ControlPartner::ALL.iter().map(|p| {
                        let p = *p;
                        view! {
                            <CheckboxField
                                id=format!("control-partner-{}", p.wire())
                                label=p.label()
                                checked=Signal::derive(move || partners.with(|l| l.contains(&p)))
                                on_toggle=Callback::new(move |on: bool| partners.update(|l| crate::logic::form::toggle(l, &p, on)))
                            />
                        }
                    }).collect_view()}
                </Fieldset>
                <p class="utrecht-paragraph">
                    <button id="control-start" type="submit" class="utrecht-button utrecht-button--primary-action">
                        {move || if busy.get() { "Bezig met starten…" } else { "Controle starten" }}
                    </button>
                </p>
            </form>
        </section>
    }
}

#[component]
fn ActiveControl(control: Control) -> impl IntoView {
    let ctx = use_ctx();
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let id = control.id.clone();
    let end = move || {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let id = id.clone();
        spawn_local(async move {
            let result = api::end_control(&id).await;
            busy.set(false);
            match result {
                Ok(_) => ctx.refresh_status(),
                Err(e) => failure.set(Some(failure_text(
                    "De controle kon niet worden beëindigd",
                    &e,
                ))),
            }
        });
    };
    let filter = SignalFilter {
        control_id: Some(control.id.clone()),
        ..Default::default()
    };

    view! {
        <section aria-labelledby="active-control-heading" id="active-control">
            <h2 id="active-control-heading" class="utrecht-heading-2">"Lopende controle"</h2>
            {move || failure.get().map(|m| view! { <ErrorAlert message=m/> })}
            <dl class="utrecht-data-list zicht-data-list">
                <DataItem key="Soort">{control.kind.label()}</DataItem>
                <DataItem key="Locatie">{control.location.description.clone()}</DataItem>
                <DataItem key="Gestart">{datetime_nl(&control.started_at)}</DataItem>
                <DataItem key="Partners">{partners_text(&control.partners)}</DataItem>
            </dl>
            <div class="zicht-actions">
                <button id="control-record-signal" type="button" class="utrecht-button utrecht-button--primary-action"
                    on:click=move |_| ctx.go(View::Nieuw)>"Signaal vastleggen in deze controle"</button>
                <button id="control-end" type="button" class="utrecht-button utrecht-button--secondary-action"
                    on:click=move |_| end()>
                    {move || if busy.get() { "Bezig met beëindigen…" } else { "Controle beëindigen" }}
                </button>
            </div>
            <h3 class="utrecht-heading-3">"Signalen in deze controle"</h3>
            <SignalTable filter=filter id="control-signals"/>
        </section>
    }
}
