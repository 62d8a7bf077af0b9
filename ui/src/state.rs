//! Reactive state shared by the screens (markup is in `widgets`): data loaded from the
//! backend, the busy / failure / field-errors state of a form, and the periodic re-read.

use crate::logic::errors::{failure_text, form_alert, message};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::future::Future;
use zicht_model::{ApiError, FieldError};

/// Data on its way from the backend: `None` while loading, then the data or the reason it
/// could not be loaded. Shown with `widgets::Loadable`.
pub type Loaded<T> = RwSignal<Option<Result<T, String>>>;

/// A `Loaded` that is still loading.
pub fn loading<T: Send + Sync + 'static>() -> Loaded<T> {
    RwSignal::new(None)
}

/// Puts the answer of `call` in `into` (the error's message on failure). The screen may be
/// gone by the time the answer comes: then nothing happens.
pub fn load_into<T: Send + Sync + 'static>(
    into: Loaded<T>,
    call: impl Future<Output = Result<T, ApiError>> + 'static,
) {
    spawn_local(async move {
        into.try_set(Some(call.await.map_err(message)));
    });
}

/// How often a screen re-reads the sync state and the outbox (the background task does the
/// work; this only shows it).
const REFRESH_MS: u64 = 3000;

/// Calls `f` every [`REFRESH_MS`] while the component lives.
pub fn every_refresh(f: impl Fn() + 'static) {
    if let Ok(handle) = set_interval_with_handle(f, std::time::Duration::from_millis(REFRESH_MS)) {
        on_cleanup(move || handle.clear());
    }
}

/// What every form that calls the backend has: one call at a time (`busy`), the error that
/// belongs to no field (`failure`, shown in an alert) and the errors at the fields.
#[derive(Clone, Copy)]
pub struct FormStatus {
    pub busy: RwSignal<bool>,
    pub failure: RwSignal<Option<String>>,
    pub errors: RwSignal<Vec<FieldError>>,
}

impl FormStatus {
    pub fn new() -> Self {
        Self::sharing(RwSignal::new(false))
    }

    /// A form that shares `busy` with the other forms of its screen (one action at a time).
    pub fn sharing(busy: RwSignal<bool>) -> Self {
        FormStatus {
            busy,
            failure: RwSignal::new(None),
            errors: RwSignal::new(Vec::new()),
        }
    }

    /// The message of one field, for the input that shows it.
    pub fn field(&self, field: impl Into<String>) -> Signal<Option<String>> {
        field_error(self.errors, field)
    }

    /// `aria-disabled` of a button while a call runs.
    pub fn disabled(&self) -> Option<&'static str> {
        self.busy.get().then_some("true")
    }

    /// Starts a call: `false` (and nothing changes) while another still runs; else busy, and
    /// the previous failure is cleared.
    pub fn begin(&self) -> bool {
        if self.busy.get_untracked() {
            return false;
        }
        self.busy.set(true);
        self.failure.set(None);
        true
    }

    /// After a call that worked: no longer busy, no field errors.
    pub fn succeeded(&self) {
        self.busy.try_set(false);
        self.errors.try_set(Vec::new());
    }

    /// After a call that failed: no longer busy; its field problems at their fields, or,
    /// when it has none, its message (after `context`, when given) in the alert.
    pub fn failed(&self, e: ApiError, context: Option<&str>) {
        self.busy.try_set(false);
        if e.fields.is_empty() {
            let text = match context {
                Some(c) => failure_text(c, &e),
                None => message(e),
            };
            self.failure.try_set(Some(text));
        } else {
            self.errors.try_set(e.fields);
        }
    }

    /// After a failed call in a form that shows the fields `placed` at their inputs: no
    /// longer busy; all field problems at their fields, and in the alert what no field shows
    /// (the message when there are no field problems; no alert when every field shows its own).
    pub fn failed_at(&self, e: ApiError, placed: impl Fn(&str) -> bool) {
        self.busy.try_set(false);
        self.failure.try_set(form_alert(None, &e, placed));
        self.errors.try_set(e.fields);
    }
}

/// The error message of one backend field, as a reactive value.
pub fn field_error(
    errors: RwSignal<Vec<FieldError>>,
    field: impl Into<String>,
) -> Signal<Option<String>> {
    let field = field.into();
    Signal::derive(move || errors.with(|e| crate::logic::fields::message_for(e, &field)))
}
