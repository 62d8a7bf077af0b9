//! Uitwisseling: the regional endpoint (state, configuration, enrolment), this device's keys,
//! the regional directory, the outbox (with saving a bundle as a file) and the inbox (with
//! reading a received file). The background task in the shell does the syncing; this screen
//! re-reads the state every few seconds. One file per part.

mod device;
mod endpoint;
mod inbox;
mod outbox;
mod region;

use crate::widgets::ErrorAlert;
use device::DeviceSection;
use endpoint::EndpointSection;
use inbox::InboxSection;
use leptos::prelude::*;
use outbox::OutboxSection;
use region::RegionSection;

/// What could not be read from a chosen file.
const UNREADABLE: &str = "Het bestand kon niet worden gelezen. Kies het opnieuw.";

#[component]
pub fn ExchangeScreen() -> impl IntoView {
    view! {
        <h1 class="utrecht-heading-1" tabindex="-1">"Uitwisseling"</h1>
        <EndpointSection/>
        <DeviceSection/>
        <RegionSection/>
        <OutboxSection/>
        <InboxSection/>
    }
}

/// The result of an import: success in a polite live region, an error as an alert.
#[component]
fn Outcome(outcome: RwSignal<Option<Result<String, String>>>, id: &'static str) -> impl IntoView {
    view! {
        <div role="status" aria-live="polite">
            {move || match outcome.get() {
                Some(Ok(m)) => Some(view! {
                    <div id=id class="utrecht-alert utrecht-alert--ok zicht-alert">
                        <div class="utrecht-alert__content"><div class="utrecht-alert__message">
                            <p class="utrecht-paragraph">{m}</p>
                        </div></div>
                    </div>
                }),
                _ => None,
            }}
        </div>
        {move || match outcome.get() {
            Some(Err(m)) => Some(view! { <ErrorAlert id=id message=m/> }),
            _ => None,
        }}
    }
}
