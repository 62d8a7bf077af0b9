//! Rows of a `utrecht-data-list` (key–value pairs).

use leptos::prelude::*;

/// One key–value row of a `utrecht-data-list`.
#[component]
pub fn DataItem(#[prop(into)] key: String, children: Children) -> impl IntoView {
    view! {
        <div class="utrecht-data-list__item">
            <dt class="utrecht-data-list__item-key">{key}</dt>
            <dd class="utrecht-data-list__item-value utrecht-data-list__item-value--html-dd">{children()}</dd>
        </div>
    }
}
