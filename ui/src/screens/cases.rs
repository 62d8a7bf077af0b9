//! Casussen (being built).

use leptos::prelude::*;

#[component]
pub fn CasesScreen() -> impl IntoView {
    view! { <h1 class="utrecht-heading-1" tabindex="-1">"Casussen"</h1> }
}
