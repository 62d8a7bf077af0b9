//! Auditlog (being built).

use leptos::prelude::*;

#[component]
pub fn AuditScreen() -> impl IntoView {
    view! { <h1 class="utrecht-heading-1" tabindex="-1">"Auditlog"</h1> }
}
