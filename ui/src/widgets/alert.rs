//! Alerts in NL Design System (Utrecht) classes: an error alert, the app-wide banner and the
//! error summary above a form.

use crate::ctx::use_ctx;
use crate::dom::focus_id;
use crate::logic::fields::SummaryItem;
use leptos::prelude::*;

/// An error alert (role="alert") with a message.
#[component]
pub fn ErrorAlert(
    #[prop(into)] message: String,
    #[prop(optional, into)] id: Option<String>,
) -> impl IntoView {
    view! {
        <div id=id class="utrecht-alert utrecht-alert--error zicht-alert" role="alert">
            <div class="utrecht-alert__content">
                <div class="utrecht-alert__message">
                    <p class="utrecht-paragraph">{message}</p>
                </div>
            </div>
        </div>
    }
}

/// The app-wide banner for errors that do not belong to a field.
#[component]
pub fn Banner() -> impl IntoView {
    let ctx = use_ctx();
    move || {
        ctx.banner.get().map(|msg| {
            view! {
                <div id="banner" class="utrecht-alert utrecht-alert--error zicht-alert" role="alert">
                    <div class="utrecht-alert__content">
                        <div class="utrecht-alert__message">
                            <p class="utrecht-paragraph">{msg}</p>
                            <button type="button" class="utrecht-button utrecht-button--secondary-action"
                                on:click=move |_| ctx.banner.set(None)>"Melding sluiten"</button>
                        </div>
                    </div>
                </div>
            }
        })
    }
}

/// The summary of validation problems above a form; each item jumps to its field.
#[component]
pub fn ErrorSummary(items: Signal<Vec<SummaryItem>>, #[prop(into)] id: String) -> impl IntoView {
    move || {
        let items = items.get();
        (!items.is_empty()).then(|| {
            view! {
                <div id=id.clone() class="utrecht-alert utrecht-alert--error zicht-alert" role="alert" tabindex="-1">
                    <div class="utrecht-alert__content">
                        <div class="utrecht-alert__message">
                            <p class="utrecht-paragraph"><strong>"Controleer de volgende punten:"</strong></p>
                            <ul class="utrecht-unordered-list">
                                {items.into_iter().map(|it| {
                                    let msg = it.message.clone();
                                    match it.target {
                                        Some(target) => {
                                            let href = format!("#{target}");
                                            view! {
                                                <li class="utrecht-unordered-list__item">
                                                    <a class="utrecht-link utrecht-link--html-a" href=href
                                                        on:click=move |ev| { ev.prevent_default(); focus_id(&target); }>{msg}</a>
                                                </li>
                                            }.into_any()
                                        }
                                        None => view! { <li class="utrecht-unordered-list__item">{msg}</li> }.into_any(),
                                    }
                                }).collect_view()}
                            </ul>
                        </div>
                    </div>
                </div>
            }
        })
    }
}
