//! Casus: one case in full. Status, signals, the table's decision, weighing, enrichment notes,
//! the meldroute advice with "record this step", the timeline, forwarding to the regional
//! table with a legal basis, and the case's audit trail. Reloaded after every action.
//!
//! One file per part; each form has its own small state struct, created here above the part
//! that is re-rendered on every reload, so text typed in one form survives an action in
//! another.

mod advice;
mod audit;
mod forward;
mod notes;
mod signals;
mod status;
mod timeline;
mod weging;

use crate::api;
use crate::ctx::{use_ctx, View};
use crate::dom::focus_id;
use crate::logic::case::decision_by_text;
use crate::logic::errors::message;
use crate::state::{load_into, loading, FormStatus, Loaded};
use crate::widgets::{Loadable, Loading};
use advice::{AdviceSection, StepState};
use audit::AuditTable;
use forward::{ForwardSection, ForwardState};
use leptos::prelude::*;
use leptos::task::spawn_local;
use notes::{NoteState, NotesSection};
use signals::{AddSignalForm, SignalsSection};
use status::StatusSection;
use std::future::Future;
use timeline::TimelineSection;
use weging::{WegingSection, WegingState};
use zicht_model::{ApiError, AuditEntry, CaseDetail, CaseStatus, Transition};

/// The case on screen: its id, the reload after an action, and the one action at a time
/// that every part's buttons share.
#[derive(Clone, Copy)]
struct CaseHandle {
    id: StoredValue<String>,
    /// Bumped to reload the case (and its audit trail).
    version: RwSignal<u32>,
    /// The element to focus once the reload has rendered.
    focus_after: RwSignal<Option<&'static str>>,
    busy: RwSignal<bool>,
}

impl CaseHandle {
    fn new(id: String) -> Self {
        CaseHandle {
            id: StoredValue::new(id),
            version: RwSignal::new(0),
            focus_after: RwSignal::new(None),
            busy: RwSignal::new(false),
        }
    }

    fn id(&self) -> String {
        self.id.get_value()
    }

    /// Runs one backend action (one at a time). On success `on_ok` runs, the case is reloaded
    /// and `focus` gets the focus; on failure `on_err` gets the error.
    fn act<T: 'static>(
        self,
        fut: impl Future<Output = Result<T, ApiError>> + 'static,
        focus: &'static str,
        on_ok: impl FnOnce(T) + 'static,
        on_err: impl FnOnce(ApiError) + 'static,
    ) {
        if self.busy.get_untracked() {
            return;
        }
        self.busy.set(true);
        spawn_local(async move {
            match fut.await {
                Ok(v) => {
                    on_ok(v);
                    self.focus_after.try_set(Some(focus));
                    self.version.try_update(|n| *n += 1);
                }
                Err(e) => on_err(e),
            }
            self.busy.try_set(false);
        });
    }
}

/// The state of every part's form (each its own struct), kept across reloads.
#[derive(Clone, Copy)]
struct Forms {
    /// Errors of the status and acute buttons.
    status: FormStatus,
    weging: WegingState,
    note: NoteState,
    step: StepState,
    forward: ForwardState,
}

impl Forms {
    fn new(busy: RwSignal<bool>) -> Self {
        Forms {
            status: FormStatus::sharing(busy),
            weging: WegingState::new(busy),
            note: NoteState::new(busy),
            step: StepState::new(busy),
            forward: ForwardState::new(busy),
        }
    }
}

#[component]
pub fn CaseDetailScreen(id: String) -> impl IntoView {
    let ctx = use_ctx();
    let case = CaseHandle::new(id);
    let forms = Forms::new(case.busy);
    let data: Loaded<CaseDetail> = loading();
    let audit: Loaded<Vec<AuditEntry>> = loading();
    Effect::new(move |_| {
        case.version.get();
        let id = case.id();
        spawn_local(async move {
            match api::case_detail(&id).await {
                Ok(d) => {
                    data.try_set(Some(Ok(d)));
                }
                // Keep showing the case when only a reload failed.
                Err(e) if matches!(data.try_get_untracked(), Some(Some(Ok(_)))) => {
                    ctx.error("De casus kon niet opnieuw worden geladen", &e);
                }
                Err(e) => {
                    data.try_set(Some(Err(message(e))));
                }
            }
            if let Some(Some(f)) = case.focus_after.try_get_untracked() {
                case.focus_after.try_set(None);
                focus_id(f);
            }
            // After the detail: its view is in the trail too.
            audit.try_set(Some(api::audit_log(Some(&id)).await.map_err(message)));
        });
    });
    load_into(forms.forward.dir, api::directory_status());
    let title = move || match data.get() {
        Some(Ok(d)) => d.case.title,
        _ => "Casus".into(),
    };

    view! {
        <h1 class="utrecht-heading-1" tabindex="-1">{title}</h1>
        <p class="utrecht-paragraph">
            <button type="button" id="case-back" class="utrecht-button utrecht-button--secondary-action"
                on:click=move |_| ctx.go(View::Casussen)>"Terug naar casussen"</button>
        </p>
        <Loadable data=data failed="De casus kon niet worden geopend" let:d>
            <CaseBody d=d case=case forms=forms/>
        </Loadable>
        <details class="zicht-details zicht-section" id="case-audit">
            <summary class="zicht-details__summary">"Auditlog van deze casus"</summary>
            <Loadable data=audit failed="Het auditlog kon niet worden geladen" loading=Loading::Plain
                empty=|| view! { <p class="utrecht-paragraph">"Nog geen vermeldingen."</p> }
                let:list>
                <AuditTable list=list/>
            </Loadable>
        </details>
    }
}

#[component]
fn CaseBody(d: CaseDetail, case: CaseHandle, forms: Forms) -> impl IntoView {
    let c = d.case.clone();
    let can_forward = c.status.can_become(CaseStatus::DoorgeleidTafel) == Transition::ViaForward;
    let fwd = forms.forward;
    view! {
        <StatusSection d=d.clone() case=case status=forms.status/>
        <SignalsSection d=d.clone()/>
        {(c.status != CaseStatus::Afgesloten).then(|| view! { <AddSignalForm d=d.clone() case=case/> })}
        {c.decision.clone().map(|dec| view! {
            <section class="zicht-section" id="case-decision" aria-labelledby="case-decision-heading">
                <h2 id="case-decision-heading" class="utrecht-heading-2">"Besluit van de regionale tafel"</h2>
                <p class="utrecht-paragraph"><strong>{dec.track.label()}</strong></p>
                <p class="utrecht-paragraph zicht-multiline">{dec.explanation.clone()}</p>
                <p class="utrecht-paragraph">{decision_by_text(&dec)}</p>
            </section>
        })}
        <WegingSection d=d.clone() case=case weging=forms.weging/>
        <NotesSection d=d.clone() case=case note=forms.note/>
        <AdviceSection d=d.clone() case=case step=forms.step/>
        <TimelineSection d=d.clone() case=case/>
        {move || (can_forward || !fwd.status.with(String::is_empty)).then(|| {
            view! { <ForwardSection d=d.clone() case=case fwd=fwd can_forward=can_forward/> }
        })}
    }
}
