//! Weighing the suspicion (weging) with a motivation.

use super::CaseHandle;
use crate::api;
use crate::logic::case::weging_text;
use crate::logic::format::choices;
use crate::state::FormStatus;
use crate::widgets::{ErrorAlert, SelectField, TextAreaField};
use leptos::prelude::*;
use zicht_model::{CaseDetail, Suspicion};

/// The weighing form; kept above the reloaded case, so what is typed survives other actions.
#[derive(Clone, Copy)]
pub(super) struct WegingState {
    level: RwSignal<String>,
    motivation: RwSignal<String>,
    form: FormStatus,
}

impl WegingState {
    pub(super) fn new(busy: RwSignal<bool>) -> Self {
        WegingState {
            level: RwSignal::new(String::new()),
            motivation: RwSignal::new(String::new()),
            form: FormStatus::sharing(busy),
        }
    }
}

#[component]
pub(super) fn WegingSection(d: CaseDetail, case: CaseHandle, weging: WegingState) -> impl IntoView {
    let save = move || {
        let id = case.id();
        let level = Suspicion::from_wire(&weging.level.get_untracked());
        let motivation = weging.motivation.get_untracked();
        weging.form.failure.set(None);
        case.act(
            async move { api::set_case_weging(&id, level, &motivation).await },
            "case-weging-save",
            move |_| {
                weging.form.succeeded();
                weging.level.try_set(String::new());
                weging.motivation.try_set(String::new());
            },
            move |e| {
                weging
                    .form
                    .failed_at(e, |f| f == "weging" || f == "motivation")
            },
        );
    };
    view! {
        <section class="zicht-section" aria-labelledby="case-weging-heading">
            <h2 id="case-weging-heading" class="utrecht-heading-2">"Weging"</h2>
            <p class="utrecht-paragraph" id="case-weging-current">{weging_text(d.case.weging.as_ref())}</p>
            <form class="utrecht-form" novalidate=true on:submit=move |ev| { ev.prevent_default(); save(); }>
                <SelectField id="case-weging-level" label="Weging van het vermoeden" value=weging.level
                    options=choices(Suspicion::ALL, Suspicion::wire, Suspicion::label)
                    error=weging.form.field("weging") placeholder="Kies een weging"/>
                <TextAreaField id="case-weging-motivation" label="Motivering" value=weging.motivation
                    error=weging.form.field("motivation")/>
                {move || weging.form.failure.get().map(|m| view! { <ErrorAlert message=m/> })}
                <p class="utrecht-paragraph">
                    <button type="submit" id="case-weging-save" class="utrecht-button utrecht-button--primary-action"
                        aria-disabled=move || case.busy.get().then_some("true")>"Weging vastleggen"</button>
                </p>
            </form>
        </section>
    }
}
