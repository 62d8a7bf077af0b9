//! Meldroute: who to contact in which situation, for this municipality.

use crate::api;
use crate::logic::format::{mailto_href, tel_href};
use crate::logic::route_text::describe_condition;
use crate::widgets::ErrorAlert;
use leptos::prelude::*;
use leptos::task::spawn_local;
use zicht_model::Route;

#[component]
pub fn RouteScreen() -> impl IntoView {
    let route = RwSignal::new(None::<Result<Route, String>>);
    spawn_local(async move {
        route.try_set(Some(api::route().await.map_err(|e| e.message)));
    });
    view! {
        <h1 class="utrecht-heading-1" tabindex="-1">"Meldroute"</h1>
        {move || match route.get() {
            None => view! { <p class="utrecht-paragraph" role="status">"Bezig met laden…"</p> }.into_any(),
            Some(Err(m)) => view! { <ErrorAlert message=format!("De meldroute kon niet worden geladen: {m}")/> }.into_any(),
            Some(Ok(r)) => view! { <RouteView route=r/> }.into_any(),
        }}
    }
}

#[component]
fn RouteView(route: Route) -> impl IntoView {
    let rules: Vec<(String, String, String)> = route
        .rules
        .iter()
        .map(|r| {
            let who = route
                .contact(&r.contact)
                .map(|c| c.name.clone())
                .unwrap_or_else(|| r.contact.clone());
            (describe_condition(&r.when), who, r.reason.clone())
        })
        .collect();
    view! {
        <p class="utrecht-paragraph">
            {format!("Meldroute van {} (versie {}). Bij acuut gevaar: bel altijd eerst 112.", route.municipality, route.version)}
        </p>
        <section aria-labelledby="route-rules-heading">
            <h2 id="route-rules-heading" class="utrecht-heading-2">"Wanneer wie"</h2>
            <div class="zicht-table-scroll" role="region" aria-label="Regels van de meldroute" tabindex="0">
            <table class="utrecht-table utrecht-table--html-table zicht-table" id="route-rules">
                <thead class="utrecht-table__header">
                    <tr class="utrecht-table__row">
                        <th class="utrecht-table__header-cell" scope="col">"Wanneer"</th>
                        <th class="utrecht-table__header-cell" scope="col">"Contact"</th>
                        <th class="utrecht-table__header-cell" scope="col">"Waarom"</th>
                    </tr>
                </thead>
                <tbody class="utrecht-table__body">
                    {rules.into_iter().map(|(when, who, why)| view! {
                        <tr class="utrecht-table__row">
                            <td class="utrecht-table__cell">{when}</td>
                            <td class="utrecht-table__cell">{who}</td>
                            <td class="utrecht-table__cell">{why}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            </div>
        </section>
        <section aria-labelledby="route-contacts-heading">
            <h2 id="route-contacts-heading" class="utrecht-heading-2">"Contacten"</h2>
            {route.contacts.into_iter().map(|c| view! {
                <section class="zicht-contact route-contact" aria-label=c.name.clone()>
                    <h3 class="utrecht-heading-3">{c.name.clone()}</h3>
                    <p class="utrecht-paragraph">{c.description.clone()}</p>
                    <ul class="utrecht-unordered-list zicht-contact-lines">
                        {c.phone.clone().map(|p| view! {
                            <li class="utrecht-unordered-list__item">"Telefoon: "
                                <a class="utrecht-link utrecht-link--html-a utrecht-link--telephone" href=tel_href(&p)>{p.clone()}</a></li>
                        })}
                        {c.email.clone().map(|m| view! {
                            <li class="utrecht-unordered-list__item">"E-mail: "
                                <a class="utrecht-link utrecht-link--html-a" href=mailto_href(&m)>{m.clone()}</a></li>
                        })}
                        {c.hours.clone().map(|h| view! { <li class="utrecht-unordered-list__item">"Bereikbaar: " {h}</li> })}
                    </ul>
                </section>
            }).collect_view()}
        </section>
    }
}
