//! The app shell: status (setup / locked / unlocked), polling, keyboard shortcuts, and the
//! main layout with navigation. The shared context it provides lives in `ctx`.

use crate::api;
use crate::ctx::{use_ctx, Ctx, Phase, View};
use crate::dom::focus_selector;
use crate::screens;
use crate::widgets::Banner;
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

/// How often the app asks the backend whether it is still unlocked (idle lock is the
/// backend's business).
const POLL: Duration = Duration::from_secs(15);

#[component]
pub fn App() -> impl IntoView {
    let ctx = Ctx::new();
    provide_context(ctx);
    ctx.refresh_status();
    set_interval(move || ctx.refresh_status(), POLL);
    let listener = window_event_listener(ev::keydown, move |e| ctx.on_key(&e));
    on_cleanup(move || listener.remove());

    view! {
        <div class="zicht-app">
            {move || match ctx.phase.get() {
                Phase::Loading => view! { <Loading/> }.into_any(),
                Phase::Failed => view! { <Failed/> }.into_any(),
                Phase::NeedsSetup => view! { <screens::setup::Setup/> }.into_any(),
                Phase::Locked => view! { <screens::unlock::Unlock/> }.into_any(),
                Phase::Unlocked => view! { <MainLayout/> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn Loading() -> impl IntoView {
    view! {
        <main id="main" class="zicht-single">
            <h1 class="utrecht-heading-1">"Zicht"</h1>
            <p class="utrecht-paragraph" role="status">"Zicht wordt gestart…"</p>
        </main>
    }
}

#[component]
fn Failed() -> impl IntoView {
    let ctx = use_ctx();
    view! {
        <main id="main" class="zicht-single">
            <h1 class="utrecht-heading-1">"Zicht"</h1>
            <div class="utrecht-alert utrecht-alert--error" role="alert">
                <p class="utrecht-paragraph">
                    "Zicht kon niet worden gestart. " {move || ctx.status_error.get().unwrap_or_default()}
                </p>
            </div>
            <p class="utrecht-paragraph">
                <button type="button" class="utrecht-button utrecht-button--primary-action"
                    on:click=move |_| ctx.refresh_status()>"Opnieuw proberen"</button>
            </p>
        </main>
    }
}

#[component]
fn MainLayout() -> impl IntoView {
    let ctx = use_ctx();
    // Load the card set once per unlock; every screen that needs it reads `ctx.cards`.
    if ctx.cards.get_untracked().is_none() {
        spawn_local(async move {
            match api::card_set().await {
                Ok(set) => ctx.cards.set(Some(set)),
                Err(e) => ctx.error("De signaalkaarten konden niet worden geladen", &e),
            }
        });
    }
    // Once per unlock: tell the user when today's retention purge removed records.
    let purge_notice = RwSignal::new(None::<String>);
    spawn_local(async move {
        if let Ok(report) = api::last_purge().await {
            let today = crate::dom::now().date();
            purge_notice.try_set(crate::logic::retention::purge_notice(
                report.as_ref(),
                today,
            ));
        }
    });
    let view_memo = Memo::new(move |_| ctx.view.get());
    // Move focus to the new screen's heading, so keyboard and screen-reader users land there.
    Effect::new(move |_| {
        view_memo.track();
        focus_selector("main h1");
    });
    let profile_line = move || {
        ctx.profile
            .get()
            .map(|p| format!("{} · {} · {}", p.name, p.municipality, p.role.label()))
            .unwrap_or_default()
    };

    view! {
        <a class="utrecht-skip-link zicht-skip-link" href="#main">"Direct naar de inhoud"</a>
        <div class="zicht-layout">
            <header class="zicht-header">
                <p class="zicht-brand">"Zicht"</p>
                <p class="zicht-profile">{profile_line}</p>
            </header>
            <screens::nav::Nav/>
            <main id="main" class="zicht-main" tabindex="-1">
                <Banner/>
                {move || purge_notice.get().map(|m| view! {
                    <div id="purge-notice" class="utrecht-alert utrecht-alert--info zicht-alert" role="status">
                        <div class="utrecht-alert__content">
                            <div class="utrecht-alert__message">
                                <p class="utrecht-paragraph">{m}</p>
                                <button type="button" class="utrecht-button utrecht-button--secondary-action"
                                    on:click=move |_| purge_notice.set(None)>"Melding sluiten"</button>
                            </div>
                        </div>
                    </div>
                })}
                {move || match view_memo.get() {
                    View::Controle => view! { <screens::control::ControlScreen/> }.into_any(),
                    View::Nieuw => view! { <screens::signal_form::SignalFormScreen/> }.into_any(),
                    View::Signalen => view! { <screens::signals::SignalsScreen/> }.into_any(),
                    View::Detail(id) => view! { <screens::detail::DetailScreen id=id/> }.into_any(),
                    View::Kaarten => view! { <screens::cards::CardsScreen/> }.into_any(),
                    View::Meldroute => view! { <screens::route::RouteScreen/> }.into_any(),
                    View::Uitwisseling => view! { <screens::exchange::ExchangeScreen/> }.into_any(),
                    View::Instellingen => view! { <screens::settings::SettingsScreen/> }.into_any(),
                    View::Binnengekomen => view! { <screens::incoming::IncomingScreen/> }.into_any(),
                    View::Casussen => view! { <screens::cases::CasesScreen/> }.into_any(),
                    View::Casus(id) => view! { <screens::case_detail::CaseDetailScreen id=id/> }.into_any(),
                    View::Monitor => view! { <screens::monitor::MonitorScreen/> }.into_any(),
                    View::Audit => view! { <screens::audit::AuditScreen/> }.into_any(),
                }}
            </main>
        </div>
    }
}
