//! Ontvangen: received bundles, and reading in a received `.zicht` file.

use super::{Outcome, UNREADABLE};
use crate::api;
use crate::dom::picked_file;
use crate::logic::errors::{failure_text, message};
use crate::logic::exchange::{
    file_too_large, import_result_text, payload_kind_text, MAX_BUNDLE_FILE,
};
use crate::logic::format::{count_text, datetime_nl, forms_text};
use crate::state::{every_refresh, load_into, loading, Loaded};
use crate::widgets::{Column, DataTable, Loadable};
use leptos::prelude::*;
use leptos::task::spawn_local;
use zicht_model::{IncomingSummary, Signal};

const COLUMNS: &[Column] = &[
    Column::text("Ontvangen op"),
    Column::text("Afzender"),
    Column::numeric("Signalen"),
    Column::text("Inhoud"),
];

#[component]
pub(super) fn InboxSection() -> impl IntoView {
    let items: Loaded<Vec<IncomingSummary>> = loading();
    let reload = move || load_into(items, api::inbox());
    reload();
    // Bundles the background sync receives appear without reopening the screen.
    every_refresh(move || {
        spawn_local(async move {
            let fresh = Some(api::inbox().await.map_err(message));
            // try_: the screen may be gone by the time the answer comes.
            if items.try_with_untracked(|v| *v != fresh) == Some(true) {
                items.try_set(fresh);
            }
        })
    });
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let on_file = move |ev: leptos::ev::Event| {
        let Some(file) = picked_file(&ev) else {
            return;
        };
        if let Some(m) = file_too_large(file.size, MAX_BUNDLE_FILE) {
            outcome.set(Some(Err(m)));
            return;
        }
        outcome.set(None);
        spawn_local(async move {
            let Ok(bytes) = file.bytes().await else {
                outcome.try_set(Some(Err(UNREADABLE.into())));
                return;
            };
            match api::import_bundle(&bytes).await {
                Ok(r) => {
                    outcome.try_set(Some(Ok(import_result_text(&r))));
                    reload();
                }
                Err(e) => {
                    outcome.try_set(Some(Err(failure_text("Het bestand is niet ingelezen", &e))));
                }
            }
        });
    };
    view! {
        <section class="zicht-section" aria-labelledby="inbox-heading">
            <h2 id="inbox-heading" class="utrecht-heading-2">"Ontvangen"</h2>
            <div class="utrecht-form-field utrecht-form-field--text">
                <div class="utrecht-form-field__label">
                    <label class="utrecht-form-label" for="bundle-file">"Ontvangen bestand inlezen (.zicht)"</label>
                </div>
                <div class="utrecht-form-field__description utrecht-form-field-description" id="bundle-file-description">
                    "Zicht controleert of de afzender in het deelnemersoverzicht staat en of het bestand onderweg niet is gewijzigd. "
                    "Hetzelfde bestand twee keer inlezen verandert niets."
                </div>
                <div class="utrecht-form-field__input">
                    <input type="file" id="bundle-file" name="bundle-file" accept=".zicht"
                        class="zicht-file-input" aria-describedby="bundle-file-description" on:change=on_file/>
                </div>
            </div>
            <Outcome outcome=outcome id="bundle-import-result"/>
            <Loadable data=items failed="De ontvangen signalen konden niet worden geladen"
                empty=|| view! { <p class="utrecht-paragraph" id="inbox">"Nog niets ontvangen."</p> }
                let:list>
                <DataTable id="inbox" region="Ontvangen bundels" columns=COLUMNS>
                    {list.into_iter().map(|item| view! { <InboxRow item=item/> }).collect_view()}
                </DataTable>
            </Loadable>
        </section>
    }
}

#[component]
fn InboxRow(item: IncomingSummary) -> impl IntoView {
    // The list holds no content. Opening it is a view of personal data: the backend records it
    // in the audit log before it answers with the content (once per opening of the row).
    let content: Loaded<Vec<Signal>> = loading();
    let bundle_id = item.id.clone();
    let on_toggle = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let opened = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|e| e.has_attribute("open"));
        if opened && content.with_untracked(Option::is_none) {
            let id = bundle_id.clone();
            load_into(content, async move {
                api::view_incoming(&id).await.map(|i| i.payload.signals)
            });
        }
    };
    let received = datetime_nl(&item.received_at);
    let kind = payload_kind_text(&item);
    let sender = item.sender;
    let n = item.signals;
    view! {
        <tr class="utrecht-table__row inbox-row" data-id=item.id.clone()>
            <td class="utrecht-table__cell">{received.clone()}</td>
            <td class="utrecht-table__cell">
                {sender.display_name.clone()}<br/>
                {format!("{}, {}", sender.role.label(), sender.municipality)}
            </td>
            <td class="utrecht-table__cell utrecht-table__cell--numeric-data">{n}</td>
            <td class="utrecht-table__cell">
                {kind.map(|k| view! { <p class="utrecht-paragraph inbox-kind">{k}</p> })}
                // A decision carries no signals: nothing to open (and no view to record).
                {(n > 0).then(move || view! {
                    <details class="zicht-details inbox-details" on:toggle=on_toggle>
                        <summary class="zicht-details__summary">
                            {format!("{} bekijken", count_text(n, "signaal", "signalen"))}
                            <span class="zicht-visually-hidden">{format!(" (van {}, ontvangen op {received})", sender.display_name)}</span>
                        </summary>
                        <Loadable data=content failed="De inhoud kon niet worden geladen" let:signals>
                            {signals.into_iter().map(|s| view! { <InboxSignal signal=s/> }).collect_view()}
                        </Loadable>
                    </details>
                })}
            </td>
        </tr>
    }
}

#[component]
fn InboxSignal(signal: Signal) -> impl IntoView {
    let s = signal;
    let location = if s.location.description.is_empty() {
        "Niet opgegeven".to_string()
    } else {
        s.location.description.clone()
    };
    view! {
        <div class="zicht-inbox-signal inbox-signal" data-id=s.id.clone()>
            <p class="utrecht-paragraph"><strong>{format!("{} van {}", s.kind.label(), datetime_nl(&s.observed_at))}</strong></p>
            <dl class="zicht-plain-list">
                <dt>"Urgentie"</dt><dd>{s.urgency.label()}</dd>
                <dt>"Waarneming"</dt><dd class="zicht-multiline">{s.observation.clone()}</dd>
                <dt>"Vormen van uitbuiting"</dt><dd>{forms_text(&s.forms)}</dd>
                <dt>"Sector"</dt><dd>{s.sector.label()}</dd>
                <dt>"Locatie"</dt><dd>{location}</dd>
                <dt>"Gemeente"</dt><dd>{s.municipality.clone()}</dd>
                <dt>"Indicatoren"</dt><dd>{count_text(s.indicators.len(), "indicator aangevinkt", "indicatoren aangevinkt")}</dd>
            </dl>
        </div>
    }
}
