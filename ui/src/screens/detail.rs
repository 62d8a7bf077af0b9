//! One signal in full, with its meldroute advice.

use crate::api;
use crate::app::{use_ctx, View};
use crate::logic::checklist::indicator_text;
use crate::logic::format::{date_nl, datetime_nl, forms_text};
use crate::widgets::{AdviceList, ErrorAlert};
use leptos::prelude::*;
use leptos::task::spawn_local;
use zicht_model::SavedSignal;

#[component]
fn Item(#[prop(into)] key: String, children: Children) -> impl IntoView {
    view! {
        <div class="utrecht-data-list__item">
            <dt class="utrecht-data-list__item-key">{key}</dt>
            <dd class="utrecht-data-list__item-value utrecht-data-list__item-value--html-dd">{children()}</dd>
        </div>
    }
}

#[component]
pub fn DetailScreen(id: String) -> impl IntoView {
    let ctx = use_ctx();
    let data = RwSignal::new(None::<Result<SavedSignal, String>>);
    spawn_local(async move {
        data.try_set(Some(api::get_signal(&id).await.map_err(|e| e.message)));
    });

    view! {
        <h1 class="utrecht-heading-1" tabindex="-1">"Signaal"</h1>
        <p class="utrecht-paragraph">
            <button type="button" id="detail-back" class="utrecht-button utrecht-button--secondary-action"
                on:click=move |_| ctx.go(View::Signalen)>"Terug naar signalen"</button>
        </p>
        {move || match data.get() {
            None => view! { <p class="utrecht-paragraph" role="status">"Bezig met laden…"</p> }.into_any(),
            Some(Err(m)) => view! { <ErrorAlert message=format!("Het signaal kon niet worden geopend: {m}")/> }.into_any(),
            Some(Ok(saved)) => view! { <Detail saved=saved/> }.into_any(),
        }}
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
    view! {
        <section id="signal-detail" aria-labelledby="detail-heading" data-id=s.id.clone()>
            <h2 id="detail-heading" class="utrecht-heading-2">
                {format!("{} van {}", s.kind.label(), datetime_nl(&s.observed_at))}
            </h2>
            <dl class="utrecht-data-list zicht-data-list">
                <Item key="Soort">{s.kind.label()}</Item>
                <Item key="Status">{s.status.label()}</Item>
                <Item key="Urgentie">{s.urgency.label()}</Item>
                <Item key="Waargenomen op">{datetime_nl(&s.observed_at)}</Item>
                <Item key="Vastgelegd op">{format!("{} door {}", datetime_nl(&s.recorded_at), s.recorded_by)}</Item>
                <Item key="Gemeente">{s.municipality.clone()}</Item>
                <Item key="Bron">{s.source.label()}</Item>
                <Item key="Sector">{s.sector.label()}</Item>
                <Item key="Locatie">{location}</Item>
                <Item key="Vormen van uitbuiting">{forms_text(&s.forms)}</Item>
                <Item key="Waarneming"><span class="zicht-multiline">{s.observation.clone()}</span></Item>
                <Item key="Bewaren tot">{date_nl(&s.retention_until)}</Item>
                {s.control_id.clone().map(|_| view! { <Item key="Controle">"Vastgelegd tijdens een controle"</Item> })}
                {s.case_id.clone().map(|c| view! { <Item key="Casus">{c}</Item> })}
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
                    <table class="utrecht-table utrecht-table--html-table zicht-table" id="detail-persons">
                        <thead class="utrecht-table__header">
                            <tr class="utrecht-table__row">
                                <th class="utrecht-table__header-cell" scope="col">"Label"</th>
                                <th class="utrecht-table__header-cell" scope="col">"Rol"</th>
                                <th class="utrecht-table__header-cell" scope="col">"Leeftijd"</th>
                                <th class="utrecht-table__header-cell" scope="col">"Minderjarig"</th>
                                <th class="utrecht-table__header-cell" scope="col">"Nationaliteit"</th>
                            </tr>
                        </thead>
                        <tbody class="utrecht-table__body">
                            {persons.into_iter().map(|p| view! {
                                <tr class="utrecht-table__row">
                                    <td class="utrecht-table__cell">{p.label.clone()}</td>
                                    <td class="utrecht-table__cell">{p.role.label()}</td>
                                    <td class="utrecht-table__cell">{p.age_band.label()}</td>
                                    <td class="utrecht-table__cell">{if p.involves_minor() { "Ja" } else { "Nee" }}</td>
                                    <td class="utrecht-table__cell">{p.nationality.clone().unwrap_or_else(|| "Onbekend".into())}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <h3 class="utrecht-heading-3">"Meldroute-advies"</h3>
            <AdviceList steps=saved.advice/>
        </section>
    }
}
