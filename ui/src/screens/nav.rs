//! The sidebar: navigation, the active control, the lock button and the shortcuts.

use crate::ctx::{use_ctx, View};
use crate::logic::format::time_nl;
use crate::logic::keys::SHORTCUTS;
use leptos::prelude::*;
use zicht_model::Role;

#[component]
fn NavItem(
    id: &'static str,
    label: &'static str,
    target: View,
    #[prop(optional)] keys: Option<&'static str>,
) -> impl IntoView {
    let ctx = use_ctx();
    let t2 = target.clone();
    let current = Memo::new(move |_| {
        let v = ctx.view.get();
        v == t2
            || (matches!(v, View::Detail(_)) && t2 == View::Signalen)
            || (matches!(v, View::Casus(_)) && t2 == View::Casussen)
    });
    view! {
        <li class="zicht-nav__item">
            <button
                type="button"
                id=id
                class=move || if current.get() { "utrecht-button utrecht-button--subtle zicht-nav__link zicht-nav__link--current" } else { "utrecht-button utrecht-button--subtle zicht-nav__link" }
                aria-current=move || current.get().then_some("page")
                aria-keyshortcuts=keys
                on:click=move |_| ctx.go(target.clone())
            >{label}</button>
        </li>
    }
}

#[component]
pub fn Nav() -> impl IntoView {
    let ctx = use_ctx();
    view! {
        <nav class="zicht-nav" aria-label="Hoofdmenu">
            <ul class="zicht-nav__list">
                {move || {
                    let role = ctx.profile.get().map(|p| p.role);
                    let officer = role == Some(Role::Aandachtsfunctionaris);
                    let table = role == Some(Role::RegionaleTafel);
                    view! {
                        {(!table).then(|| view! {
                            <NavItem id="nav-controle" label="Controle" target=View::Controle/>
                            <NavItem id="nav-nieuw" label="Nieuw signaal" target=View::Nieuw keys="Alt+N"/>
                            <NavItem id="nav-signalen" label="Signalen" target=View::Signalen/>
                        })}
                        {(officer || table).then(|| view! {
                            <NavItem id="nav-binnengekomen" label="Binnengekomen" target=View::Binnengekomen/>
                        })}
                        {officer.then(|| view! {
                            <NavItem id="nav-casussen" label="Casussen" target=View::Casussen/>
                        })}
                        {(officer || table).then(|| view! {
                            <NavItem id="nav-monitor" label="Aard en omvang" target=View::Monitor/>
                        })}
                        {(!table).then(|| view! {
                            <NavItem id="nav-kaarten" label="Signaalkaarten" target=View::Kaarten keys="Alt+K"/>
                            <NavItem id="nav-meldroute" label="Meldroute" target=View::Meldroute/>
                        })}
                        <NavItem id="nav-uitwisseling" label="Uitwisseling" target=View::Uitwisseling/>
                        <NavItem id="nav-audit" label="Auditlog" target=View::Audit/>
                        <NavItem id="nav-instellingen" label="Instellingen" target=View::Instellingen/>
                    }
                }}
            </ul>
            {move || ctx.active_control.get().map(|c| view! {
                <section class="zicht-nav__control" aria-labelledby="nav-control-heading">
                    <h2 id="nav-control-heading" class="utrecht-heading-2 zicht-nav__heading">"Actieve controle"</h2>
                    <p class="utrecht-paragraph" id="nav-active-control">
                        {c.kind.label()} <br/> {c.location.description.clone()} <br/> {format!("Sinds {}", time_nl(&c.started_at))}
                    </p>
                </section>
            })}
            <p class="zicht-nav__lock">
                <button id="nav-lock" type="button" class="utrecht-button utrecht-button--secondary-action"
                    aria-keyshortcuts="Alt+L" on:click=move |_| ctx.lock_now()>"Vergrendel"</button>
            </p>
            <section class="zicht-nav__shortcuts" aria-labelledby="nav-shortcuts-heading">
                <h2 id="nav-shortcuts-heading" class="utrecht-heading-2 zicht-nav__heading">"Sneltoetsen"</h2>
                <dl class="zicht-shortcuts">
                    {SHORTCUTS.iter().map(|(k, what)| view! {
                        <div><dt><kbd>{*k}</kbd></dt><dd>{*what}</dd></div>
                    }).collect_view()}
                </dl>
            </section>
        </nav>
    }
}
