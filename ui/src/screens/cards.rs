//! Signaalkaarten: browse all cards or search them. Needs nothing recorded.

use crate::api;
use crate::ctx::use_ctx;
use crate::logic::checklist::by_category;
use crate::logic::errors::{message, with_reason};
use crate::logic::format::count_text;
use crate::widgets::{ErrorAlert, TextField};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use zicht_model::{Card, CardHit, CardSubject};

#[component]
pub fn CardsScreen() -> impl IntoView {
    let ctx = use_ctx();
    let query = RwSignal::new(String::new());
    let hits = RwSignal::new(None::<Result<Vec<CardHit>, String>>);
    let seq = Arc::new(AtomicU64::new(0));
    Effect::new(move |_| {
        let q = query.get().trim().to_string();
        let me = seq.fetch_add(1, Ordering::SeqCst) + 1;
        if q.is_empty() {
            hits.set(None);
            return;
        }
        let seq = seq.clone();
        spawn_local(async move {
            let r = api::search_cards(&q).await.map_err(message);
            if seq.load(Ordering::SeqCst) == me {
                hits.try_set(Some(r));
            }
        });
    });
    let no_error = Signal::derive(|| None::<String>);

    view! {
        <h1 class="utrecht-heading-1" tabindex="-1">"Signaalkaarten"</h1>
        {move || ctx.cards.with(|c| c.as_ref().map(|set| view! {
            <p class="utrecht-paragraph">{format!("{}, versie {} ({})", set.title, set.version, set.published)}</p>
        }))}
        <form class="utrecht-form" role="search" aria-label="Signaalkaarten doorzoeken" on:submit=|ev| ev.prevent_default()>
            <TextField id="cards-search" label="Zoek in de signaalkaarten" kind="search" value=query error=no_error
                description="Bijvoorbeeld: paspoort, slapen, schulden."/>
        </form>
        <p class="utrecht-paragraph" id="cards-count" role="status" aria-live="polite">
            {move || match hits.get() {
                Some(Ok(h)) => count_text(h.len(), "indicator gevonden", "indicatoren gevonden"),
                _ => String::new(),
            }}
        </p>
        {move || match hits.get() {
            Some(Err(m)) => view! { <ErrorAlert message=with_reason("Zoeken lukte niet", &m)/> }.into_any(),
            Some(Ok(h)) => view! { <Hits hits=h/> }.into_any(),
            None => match ctx.cards.get() {
                None => view! { <p class="utrecht-paragraph">"De signaalkaarten worden geladen…"</p> }.into_any(),
                Some(set) => view! { <AllCards cards=set.cards sources=set.sources/> }.into_any(),
            },
        }}
    }
}

#[component]
fn Hits(hits: Vec<CardHit>) -> impl IntoView {
    let ctx = use_ctx();
    if hits.is_empty() {
        return view! { <p class="utrecht-paragraph" id="cards-hits">"Niets gevonden. Probeer een ander woord."</p> }.into_any();
    }
    // Group the hits per card (in the order found), with that card's "Wat te doen".
    let mut groups: Vec<(String, String, Vec<CardHit>)> = Vec::new();
    for h in hits {
        match groups.iter_mut().find(|g| g.0 == h.card_id) {
            Some(g) => g.2.push(h),
            None => groups.push((h.card_id.clone(), h.card_title.clone(), vec![h])),
        }
    }
    view! {
        <div id="cards-hits">
            {groups.into_iter().map(|(card_id, title, hits)| {
                let todo: Vec<String> = ctx.cards.with_untracked(|c| {
                    c.as_ref().and_then(|set| set.cards.iter().find(|k| k.id == card_id)).map(|k| k.what_to_do.clone()).unwrap_or_default()
                });
                view! {
                    <section class="zicht-card card-hit-group" aria-label=title.clone()>
                        <h2 class="utrecht-heading-2">{title.clone()}</h2>
                        <ul class="utrecht-unordered-list">
                            {hits.into_iter().map(|h| view! {
                                <li class="utrecht-unordered-list__item card-hit" data-id=h.indicator.id.clone()>
                                    {h.indicator.text.clone()}
                                    <span class="zicht-muted">{format!(" ({})", h.indicator.category.label())}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                        {(!todo.is_empty()).then(|| view! {
                            <h3 class="utrecht-heading-3">"Wat te doen"</h3>
                            <ol class="utrecht-ordered-list">
                                {todo.into_iter().map(|w| view! { <li class="utrecht-ordered-list__item">{w}</li> }).collect_view()}
                            </ol>
                        })}
                    </section>
                }
            }).collect_view()}
        </div>
    }
    .into_any()
}

fn subject_text(s: &CardSubject) -> String {
    match s {
        CardSubject::Form(f) => format!("Vorm: {}", f.label()),
        CardSubject::Sector(s) => format!("Sector: {}", s.label()),
    }
}

#[component]
fn AllCards(cards: Vec<Card>, sources: Vec<String>) -> impl IntoView {
    let toc: Vec<(String, String)> = cards
        .iter()
        .map(|c| (c.id.clone(), c.title.clone()))
        .collect();
    view! {
        <nav aria-labelledby="cards-toc-heading" class="zicht-toc">
            <h2 id="cards-toc-heading" class="utrecht-heading-2">"Alle kaarten"</h2>
            <ul class="utrecht-link-list utrecht-link-list--html-ul">
                {toc.into_iter().map(|(id, title)| {
                    let target = format!("card-{id}");
                    view! {
                        <li class="utrecht-link-list__item">
                            <a class="utrecht-link utrecht-link--html-a utrecht-link-list__link" href=format!("#{target}")
                                on:click=move |ev| { ev.prevent_default(); crate::dom::focus_id(&format!("{target}-heading")); }>{title}</a>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </nav>
        {cards.into_iter().map(|c| view! { <CardView card=c/> }).collect_view()}
        {(!sources.is_empty()).then(|| view! {
            <section aria-labelledby="cards-sources-heading">
                <h2 id="cards-sources-heading" class="utrecht-heading-2">"Bronnen"</h2>
                <ul class="utrecht-unordered-list">
                    {sources.into_iter().map(|s| view! { <li class="utrecht-unordered-list__item">{s}</li> }).collect_view()}
                </ul>
            </section>
        })}
    }
}

#[component]
fn CardView(card: Card) -> impl IntoView {
    let heading_id = format!("card-{}-heading", card.id);
    let labelledby = heading_id.clone();
    let groups = by_category(&card);
    view! {
        <section class="zicht-card signal-card" id=format!("card-{}", card.id) aria-labelledby=labelledby>
            <h2 class="utrecht-heading-2" id=heading_id tabindex="-1">{card.title.clone()}</h2>
            <p class="utrecht-paragraph zicht-muted">{subject_text(&card.subject)}</p>
            <p class="utrecht-paragraph">{card.summary.clone()}</p>
            {groups.into_iter().map(|g| view! {
                <h3 class="utrecht-heading-3">{g.category.label()}</h3>
                <ul class="utrecht-unordered-list">
                    {g.indicators.into_iter().map(|i| view! { <li class="utrecht-unordered-list__item" data-id=i.id.clone()>{i.text.clone()}</li> }).collect_view()}
                </ul>
            }).collect_view()}
            {(!card.what_to_do.is_empty()).then(|| view! {
                <h3 class="utrecht-heading-3">"Wat te doen"</h3>
                <ol class="utrecht-ordered-list">
                    {card.what_to_do.iter().map(|w| view! { <li class="utrecht-ordered-list__item">{w.clone()}</li> }).collect_view()}
                </ol>
            })}
        </section>
    }
}
