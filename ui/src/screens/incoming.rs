//! Binnengekomen (being built).

use leptos::prelude::*;

#[component]
pub fn IncomingScreen() -> impl IntoView {
    view! { <h1 class="utrecht-heading-1" tabindex="-1">"Binnengekomen"</h1> }
}
