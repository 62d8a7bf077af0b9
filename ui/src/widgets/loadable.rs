//! Data that is loaded from the backend, shown in one of four states: loading, failed, empty
//! or the data itself. Every list in the UI goes through `Loadable`, and this module holds the
//! one "Bezig met laden…" text.

use crate::logic::errors::with_reason;
use crate::logic::format::count_text;
use crate::widgets::ErrorAlert;
use leptos::prelude::*;
use zicht_model::{CaseDetail, DeviceIdentity, MonitorReport, Route, SavedSignal};

/// The text while data is on its way.
pub const LOADING: &str = "Bezig met laden…";

/// How `Loadable` shows that data is on its way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Loading {
    /// A paragraph with `role="status"` (read out by screen readers).
    #[default]
    Status,
    /// A plain paragraph (a part that is not the point of the screen, or still folded away).
    Plain,
    /// Nothing: another element says it (a `ListCount` above the list).
    Hidden,
}

/// What `Loadable` needs to know about loaded data: whether there is nothing to show (its
/// `empty` view is shown instead).
pub trait Content {
    fn is_empty(&self) -> bool {
        false
    }
}

impl<T> Content for Vec<T> {
    fn is_empty(&self) -> bool {
        Vec::is_empty(self)
    }
}

/// `None` is "nothing there yet" (e.g. no participant directory imported).
impl<T> Content for Option<T> {
    fn is_empty(&self) -> bool {
        self.is_none()
    }
}

impl Content for CaseDetail {}
impl Content for DeviceIdentity {}
impl Content for MonitorReport {}
impl Content for Route {}
impl Content for SavedSignal {}

/// The loading paragraph on its own (for a view that is not a plain `Loadable`).
#[component]
pub fn LoadingMessage(#[prop(optional)] loading: Loading) -> impl IntoView {
    match loading {
        Loading::Status => {
            Some(view! { <p class="utrecht-paragraph" role="status">{LOADING}</p> }.into_any())
        }
        Loading::Plain => Some(view! { <p class="utrecht-paragraph">{LOADING}</p> }.into_any()),
        Loading::Hidden => None,
    }
}

/// Shows `data`: the loading text while it is `None`, an error alert ("`failed`: reason") on
/// `Err`, `empty` (when given) for empty data, else `children` with the data.
#[component]
pub fn Loadable<T, F, V>(
    #[prop(into)] data: Signal<Option<Result<T, String>>>,
    /// What could not be done, before the reason: "De casussen konden niet worden geladen".
    failed: &'static str,
    #[prop(optional)] loading: Loading,
    #[prop(optional, into)] empty: Option<ViewFn>,
    children: F,
) -> impl IntoView
where
    T: Content + Clone + Send + Sync + 'static,
    F: Fn(T) -> V + Send + 'static,
    V: IntoView + 'static,
{
    move || match data.get() {
        None => view! { <LoadingMessage loading=loading/> }.into_any(),
        Some(Err(m)) => view! { <ErrorAlert message=with_reason(failed, &m)/> }.into_any(),
        Some(Ok(d)) if d.is_empty() && empty.is_some() => {
            empty.as_ref().map(ViewFn::run).into_any()
        }
        Some(Ok(d)) => children(d).into_any(),
    }
}

/// The politely announced count above a list ("3 casussen"), or the loading text while the
/// list is on its way (pair it with `Loading::Hidden` on the list's `Loadable`).
#[component]
pub fn ListCount<T>(
    #[prop(into)] data: Signal<Option<Result<Vec<T>, String>>>,
    #[prop(into)] id: String,
    one: &'static str,
    many: &'static str,
) -> impl IntoView
where
    T: Send + Sync + 'static,
{
    view! {
        <p class="utrecht-paragraph zicht-count" id=id role="status" aria-live="polite">
            {move || data.with(|d| match d {
                Some(Ok(r)) => count_text(r.len(), one, many),
                Some(Err(_)) => String::new(),
                None => LOADING.into(),
            })}
        </p>
    }
}
