//! Controle: start a field control, work inside it (record signals, see them), end it, and
//! see past controls.

use crate::api;
use crate::ctx::{use_ctx, View};
use crate::logic::fields::{control_field_input, summary};
use crate::logic::format::datetime_nl;
use crate::widgets::{
    field_error, CheckboxField, ErrorAlert, ErrorSummary, Fieldset, SelectField, SignalTable,
    TextField,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use zicht_model::{
    Control, ControlInput, ControlPartner, ControlType, FieldError, Location, SignalFilter,
};

#[component]
pub fn ControlScreen() -> impl IntoView {
    let ctx = use_ctx();
    let past = RwSignal::new(None::<Result<Vec<Control>, String>>);
    let reload_past = move || {
        spawn_local(async move {
            past.set(Some(api::list_controls().await.map_err(|e| e.message)));
        });
    };
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
            {move || match past.get() {
                None => view! { <p class="utrecht-paragraph">"Bezig met laden…"</p> }.into_any(),
                Some(Err(m)) => view! { <ErrorAlert message=format!("De controles konden niet worden geladen: {m}")/> }.into_any(),
                Some(Ok(list)) => {
                    let list: Vec<Control> = list.into_iter().filter(|c| c.ended_at.is_some()).collect();
                    if list.is_empty() {
                        view! { <p class="utrecht-paragraph">"Nog geen afgeronde controles."</p> }.into_any()
                    } else {
                        view! { <ControlTable controls=list/> }.into_any()
                    }
                }
            }}
        </section>
    }
}

#[component]
fn ControlTable(controls: Vec<Control>) -> impl IntoView {
    view! {
        <table class="utrecht-table utrecht-table--html-table" id="control-list">
            <thead class="utrecht-table__header">
                <tr class="utrecht-table__row">
                    <th class="utrecht-table__header-cell" scope="col">"Soort"</th>
                    <th class="utrecht-table__header-cell" scope="col">"Locatie"</th>
                    <th class="utrecht-table__header-cell" scope="col">"Begin"</th>
                    <th class="utrecht-table__header-cell" scope="col">"Einde"</th>
                    <th class="utrecht-table__header-cell" scope="col">"Partners"</th>
                </tr>
            </thead>
            <tbody class="utrecht-table__body">
                {controls.into_iter().map(|c| view! {
                    <tr class="utrecht-table__row control-row" data-id=c.id.clone()>
                        <td class="utrecht-table__cell">{c.kind.label()}</td>
                        <td class="utrecht-table__cell">{c.location.description.clone()}</td>
                        <td class="utrecht-table__cell">{datetime_nl(&c.started_at)}</td>
                        <td class="utrecht-table__cell">{c.ended_at.as_ref().map(datetime_nl).unwrap_or_else(|| "Loopt nog".into())}</td>
                        <td class="utrecht-table__cell">{partners_text(&c.partners)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

fn partners_text(p: &[ControlPartner]) -> String {
    if p.is_empty() {
        "Geen".into()
    } else {
        p.iter().map(|x| x.label()).collect::<Vec<_>>().join(", ")
    }
}

#[component]
fn StartControl() -> impl IntoView {
    let ctx = use_ctx();
    let kind = RwSignal::new(ControlType::IntegraleControle.wire().to_string());
    let location = RwSignal::new(String::new());
    let partners = RwSignal::new(Vec::<ControlPartner>::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let start = move || {
        if busy.get_untracked() {
            return;
        }
        let input = ControlInput {
            kind: ControlType::from_wire(&kind.get_untracked())
                .unwrap_or(ControlType::IntegraleControle),
            started_at: None,
            location: Location {
                description: location.get_untracked().trim().to_string(),
                lat: None,
                lon: None,
            },
            partners: ControlPartner::ALL
                .iter()
                .copied()
                .filter(|p| partners.with_untracked(|l| l.contains(p)))
                .collect(),
        };
        busy.set(true);
        failure.set(None);
        spawn_local(async move {
            let result = api::start_control(&input).await;
            busy.set(false);
            match result {
                Ok(_) => {
                    errors.set(Vec::new());
                    ctx.refresh_status();
                }
                Err(e) if !e.fields.is_empty() => errors.set(e.fields),
                Err(e) => failure.set(Some(e.message)),
            }
        });
    };

    let kind_options: Vec<(String, String)> = ControlType::ALL
        .iter()
        .map(|k| (k.wire().to_string(), k.label().to_string()))
        .collect();
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
                <SelectField id="control-kind" label="Soort controle" value=kind options=kind_options error=field_error(errors, "kind")/>
                <TextField id="control-location" label="Locatie" value=location error=field_error(errors, "location")
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
                Err(e) => failure.set(Some(format!(
                    "De controle kon niet worden beëindigd: {}",
                    e.message
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
                <div class="utrecht-data-list__item">
                    <dt class="utrecht-data-list__item-key">"Soort"</dt>
                    <dd class="utrecht-data-list__item-value utrecht-data-list__item-value--html-dd">{control.kind.label()}</dd>
                </div>
                <div class="utrecht-data-list__item">
                    <dt class="utrecht-data-list__item-key">"Locatie"</dt>
                    <dd class="utrecht-data-list__item-value utrecht-data-list__item-value--html-dd">{control.location.description.clone()}</dd>
                </div>
                <div class="utrecht-data-list__item">
                    <dt class="utrecht-data-list__item-key">"Gestart"</dt>
                    <dd class="utrecht-data-list__item-value utrecht-data-list__item-value--html-dd">
                        {datetime_nl(&control.started_at)}
                    </dd>
                </div>
                <div class="utrecht-data-list__item">
                    <dt class="utrecht-data-list__item-key">"Partners"</dt>
                    <dd class="utrecht-data-list__item-value utrecht-data-list__item-value--html-dd">{partners_text(&control.partners)}</dd>
                </div>
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
