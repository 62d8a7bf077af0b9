//! The meldroute advice list (after saving a signal and on the signal detail).

use crate::logic::format::{mailto_href, tel_href};
use leptos::prelude::*;
use zicht_model::AdviceStep;

/// The meldroute advice: an ordered list of whom to contact, with links and reasons.
#[component]
pub fn AdviceList(steps: Vec<AdviceStep>) -> impl IntoView {
    if steps.is_empty() {
        return view! {
            <p id="advice" class="utrecht-paragraph">
                "Geen meldroute-advies voor dit signaal. Bespreek het met de aandachtsfunctionaris."
            </p>
        }
        .into_any();
    }
    view! {
        <ol id="advice" class="utrecht-ordered-list zicht-advice">
            {steps.into_iter().map(|s| {
                let c = s.contact;
                view! {
                    <li class="utrecht-ordered-list__item advice-step">
                        <p class="utrecht-paragraph"><strong>{c.name}</strong></p>
                        <p class="utrecht-paragraph">{c.description}</p>
                        <ul class="utrecht-unordered-list zicht-contact-lines">
                            {c.phone.map(|p| view! {
                                <li class="utrecht-unordered-list__item">"Telefoon: "
                                    <a class="utrecht-link utrecht-link--html-a utrecht-link--telephone" href=tel_href(&p)>{p.clone()}</a>
                                </li>
                            })}
                            {c.email.map(|m| view! {
                                <li class="utrecht-unordered-list__item">"E-mail: "
                                    <a class="utrecht-link utrecht-link--html-a" href=mailto_href(&m)>{m.clone()}</a>
                                </li>
                            })}
                            {c.hours.map(|h| view! { <li class="utrecht-unordered-list__item">"Bereikbaar: " {h}</li> })}
                        </ul>
                        <p class="utrecht-paragraph zicht-reasons-label">"Waarom:"</p>
                        <ul class="utrecht-unordered-list advice-reasons">
                            {s.reasons.into_iter().map(|r| view! { <li class="utrecht-unordered-list__item">{r}</li> }).collect_view()}
                        </ul>
                    </li>
                }
            }).collect_view()}
        </ol>
    }
    .into_any()
}
