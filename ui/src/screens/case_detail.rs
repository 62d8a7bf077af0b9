//! Casus: one case (being built).

use leptos::prelude::*;

#[component]
pub fn CaseDetailScreen(id: String) -> impl IntoView {
    let _ = id;
    view! { <h1 class="utrecht-heading-1" tabindex="-1">"Casus"</h1> }
}
