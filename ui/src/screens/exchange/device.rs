//! Dit apparaat: the device's fingerprint and public keys, to give to the regional
//! coordinator.

use crate::api;
use crate::dom::{copy_text, select_text};
use crate::logic::exchange::identity_json;
use crate::state::{load_into, loading, Loaded};
use crate::widgets::{DataItem, Loadable};
use leptos::prelude::*;
use leptos::task::spawn_local;
use zicht_model::DeviceIdentity;

#[component]
pub(super) fn DeviceSection() -> impl IntoView {
    let ident: Loaded<DeviceIdentity> = loading();
    load_into(ident, api::device_identity());
    view! {
        <section class="zicht-section" aria-labelledby="device-heading">
            <h2 id="device-heading" class="utrecht-heading-2">"Dit apparaat"</h2>
            <Loadable data=ident failed="De sleutels van dit apparaat konden niet worden opgehaald" let:id>
                <DeviceView id=id/>
            </Loadable>
        </section>
    }
}

#[component]
fn DeviceView(id: DeviceIdentity) -> impl IntoView {
    let json = identity_json(&id);
    let shown = RwSignal::new(false);
    let copy_status = RwSignal::new(String::new());
    let copy = {
        let json = json.clone();
        move |_| {
            // The clipboard call must happen during the click.
            let done = copy_text(&json);
            shown.set(true);
            copy_status.set(String::new());
            spawn_local(async move {
                if done.await {
                    copy_status.try_set(
                        "De sleutels staan op het klembord. Plak ze in een bericht aan de regiocoördinator."
                            .into(),
                    );
                } else {
                    copy_status.try_set(
                        "Kopiëren naar het klembord lukte niet. De regel hieronder is geselecteerd: kopieer hem met Ctrl+C."
                            .into(),
                    );
                    select_text("device-json");
                }
            });
        }
    };
    view! {
        <p class="utrecht-paragraph" id="device-fingerprint-label">"Vingerafdruk van dit apparaat:"</p>
        <p class="zicht-fingerprint" id="device-fingerprint">{id.fingerprint.clone()}</p>
        <p class="utrecht-paragraph" id="device-fingerprint-help">
            "Vergelijk deze zes groepen van vijf cijfers telefonisch met de regiocoördinator: lees ze hardop voor en laat de coördinator meelezen. "
            "Alleen als alle cijfers kloppen, mag de coördinator dit apparaat opnemen in het deelnemersoverzicht."
        </p>
        <dl class="utrecht-data-list zicht-data-list">
            <DataItem key="Ondertekeningssleutel (Ed25519)">
                <code class="zicht-key" id="device-signing-key">{id.signing_key.clone()}</code>
            </DataItem>
            <DataItem key="Versleutelingssleutel (X25519)">
                <code class="zicht-key" id="device-encryption-key">{id.encryption_key.clone()}</code>
            </DataItem>
        </dl>
        <p class="utrecht-paragraph">
            <button type="button" id="device-copy" class="utrecht-button utrecht-button--secondary-action"
                on:click=copy>"Sleutels kopiëren voor de regiocoördinator"</button>
        </p>
        <p id="device-copy-status" class="zicht-status" role="status" aria-live="polite">{move || copy_status.get()}</p>
        {move || shown.get().then(|| {
            let json = json.clone();
            view! {
                <div class="utrecht-form-field utrecht-form-field--textarea">
                    <div class="utrecht-form-field__label">
                        <label class="utrecht-form-label" for="device-json">"Sleutels als JSON-regel, voor de regiocoördinator"</label>
                    </div>
                    <div class="utrecht-form-field__input">
                        <textarea id="device-json" class="utrecht-textarea utrecht-textarea--html-textarea utrecht-textarea--readonly zicht-key"
                            rows="4" readonly=true prop:value=json></textarea>
                    </div>
                </div>
            }
        })}
    }
}
