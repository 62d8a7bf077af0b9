//! Enrichment: the case's notes and adding one.

use super::CaseHandle;
use crate::api;
use crate::logic::format::datetime_nl;
use crate::state::FormStatus;
use crate::widgets::{ErrorAlert, TextAreaField};
use leptos::prelude::*;
use zicht_model::CaseDetail;

/// The note form; kept above the reloaded case, so what is typed survives other actions.
#[derive(Clone, Copy)]
pub(super) struct NoteState {
    text: RwSignal<String>,
    form: FormStatus,
}

impl NoteState {
    pub(super) fn new(busy: RwSignal<bool>) -> Self {
        NoteState {
            text: RwSignal::new(String::new()),
            form: FormStatus::sharing(busy),
        }
    }
}

#[component]
pub(super) fn NotesSection(d: CaseDetail, case: CaseHandle, note: NoteState) -> impl IntoView {
    let notes = d.case.notes;
    let add = move || {
        let id = case.id();
        let text = note.text.get_untracked();
        note.form.failure.set(None);
        case.act(
            async move { api::add_case_note(&id, &text).await },
            "case-note-text",
            move |_| {
                note.form.succeeded();
                note.text.try_set(String::new());
            },
            move |e| note.form.failed_at(e, |f| f == "note"),
        );
    };
    view! {
        <section class="zicht-section" aria-labelledby="case-notes-heading">
            <h2 id="case-notes-heading" class="utrecht-heading-2">"Verrijking"</h2>
            {if notes.is_empty() {
                view! { <p class="utrecht-paragraph" id="case-notes">"Nog geen notities."</p> }.into_any()
            } else {
                view! {
                    <ul class="utrecht-unordered-list" id="case-notes">
                        {notes.into_iter().map(|n| view! {
                            <li class="utrecht-unordered-list__item case-note">
                                <p class="utrecht-paragraph"><strong>{format!("{}, {}", n.author, datetime_nl(&n.at))}</strong></p>
                                <p class="utrecht-paragraph zicht-multiline">{n.text}</p>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <form class="utrecht-form" novalidate=true on:submit=move |ev| { ev.prevent_default(); add(); }>
                <TextAreaField id="case-note-text" label="Nieuwe notitie" value=note.text
                    error=note.form.field("note")
                    description="Wat u hebt uitgezocht of gehoord. Schrijf geen namen als een label volstaat."/>
                {move || note.form.failure.get().map(|m| view! { <ErrorAlert message=m/> })}
                <p class="utrecht-paragraph">
                    <button type="submit" id="case-note-add" class="utrecht-button utrecht-button--primary-action"
                        aria-disabled=move || case.busy.get().then_some("true")>"Notitie toevoegen"</button>
                </p>
            </form>
        </section>
    }
}
