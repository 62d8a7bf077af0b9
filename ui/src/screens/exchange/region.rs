//! Regio: the participant directory this device holds, and reading in a new one (the first
//! after comparing the region's root fingerprint).

use super::{Outcome, UNREADABLE};
use crate::api;
use crate::dom::picked_file;
use crate::logic::errors::{failure_text, is_fingerprint_mismatch, message};
use crate::logic::exchange::{
    directory_imported_text, file_too_large, fingerprint_input_problem, is_me, me_text,
    MAX_DIRECTORY_FILE,
};
use crate::state::{load_into, loading, Loaded};
use crate::widgets::{Column, DataItem, DataTable, Loadable, TextField};
use leptos::prelude::*;
use leptos::task::spawn_local;
use zicht_model::{DirectoryPreview, DirectoryStatus};

const COLUMNS: &[Column] = &[
    Column::text("Naam"),
    Column::text("Rol"),
    Column::text("Gemeente"),
];

#[component]
pub(super) fn RegionSection() -> impl IntoView {
    let dir: Loaded<Option<DirectoryStatus>> = loading();
    let outcome = RwSignal::new(None::<Result<String, String>>);
    load_into(dir, api::directory_status());
    // A first directory waiting for the user to type its root fingerprint as the coordinator
    // reads it out (the fingerprint is not shown: typing what the screen shows proves nothing).
    let pending = RwSignal::new(None::<(String, DirectoryPreview)>);
    let typed = RwSignal::new(String::new());
    let typed_error = RwSignal::new(None::<String>);
    let import = move |text: String, confirmed: Option<String>| async move {
        match api::import_directory(&text, confirmed.as_deref()).await {
            Ok(st) => {
                pending.try_set(None);
                outcome.try_set(Some(Ok(directory_imported_text(&st))));
                dir.try_set(Some(Ok(Some(st))));
            }
            // Mistyped: the form stays, with the message at the field.
            Err(e)
                if is_fingerprint_mismatch(&e)
                    && confirmed.is_some()
                    && pending.with_untracked(Option::is_some) =>
            {
                typed_error.try_set(Some(message(e)));
            }
            Err(e) => {
                pending.try_set(None);
                outcome.try_set(Some(Err(failure_text(
                    "Het deelnemersoverzicht is niet ingelezen",
                    &e,
                ))));
            }
        }
    };
    let on_file = move |ev: leptos::ev::Event| {
        let Some(file) = picked_file(&ev) else {
            return;
        };
        if let Some(m) = file_too_large(file.size, MAX_DIRECTORY_FILE) {
            outcome.set(Some(Err(m)));
            return;
        }
        outcome.set(None);
        spawn_local(async move {
            let Ok(text) = file.text().await else {
                outcome.try_set(Some(Err(UNREADABLE.into())));
                return;
            };
            match api::preview_directory(&text).await {
                // Signed by the root this device already trusts, or checked against the root
                // the app's configuration names: import at once.
                Ok(p) if p.pinned || p.root_preconfigured => import(text, None).await,
                // The first directory: the user compares the root fingerprint first.
                Ok(p) => {
                    pending.try_set(Some((text, p)));
                }
                Err(e) => {
                    outcome.try_set(Some(Err(failure_text(
                        "Het deelnemersoverzicht is niet ingelezen",
                        &e,
                    ))));
                }
            }
        });
    };
    let confirm = move |_| {
        let Some((text, _)) = pending.get_untracked() else {
            return;
        };
        let digits = typed.get_untracked();
        if let Some(m) = fingerprint_input_problem(&digits) {
            typed_error.set(Some(m));
            return;
        }
        typed_error.set(None);
        spawn_local(async move { import(text, Some(digits)).await });
    };
    let reject = move |_| {
        pending.set(None);
        outcome.set(Some(Err(
            "Niet ingelezen. Vraag de regiocoördinator om het juiste bestand en vergelijk de vingerafdruk opnieuw."
                .into(),
        )));
    };
    view! {
        <section class="zicht-section" aria-labelledby="region-heading">
            <h2 id="region-heading" class="utrecht-heading-2">"Regio"</h2>
            <Loadable data=dir failed="Het deelnemersoverzicht kon niet worden geladen"
                empty=|| view! {
                    <p class="utrecht-paragraph" id="directory-none">
                        "Er is nog geen deelnemersoverzicht van de regio ingelezen. Zonder dat overzicht kunt u geen signalen versturen of ontvangen. "
                        "U krijgt het bestand van de regiocoördinator."
                    </p>
                }
                let:dir>
                {dir.map(|d| view! { <DirectoryView dir=d/> })}
            </Loadable>
            <div class="utrecht-form-field utrecht-form-field--text">
                <div class="utrecht-form-field__label">
                    <label class="utrecht-form-label" for="directory-file">"Deelnemersoverzicht inlezen"</label>
                </div>
                <div class="utrecht-form-field__description utrecht-form-field-description" id="directory-file-description">
                    "Kies het bestand van de regiocoördinator (bijvoorbeeld deelnemers.json). "
                    "Het eerste overzicht legt de regiosleutel vast; daarna leest Zicht alleen nieuwere overzichten in die met dezelfde sleutel zijn ondertekend."
                </div>
                <div class="utrecht-form-field__input">
                    <input type="file" id="directory-file" name="directory-file" accept=".json,application/json"
                        class="zicht-file-input" aria-describedby="directory-file-description" on:change=on_file/>
                </div>
            </div>
            {move || pending.get().map(|(_, p)| view! {
                <div id="directory-confirm" class="utrecht-alert utrecht-alert--warning zicht-alert" role="group"
                    aria-labelledby="directory-confirm-heading">
                    <div class="utrecht-alert__content"><div class="utrecht-alert__message">
                        <h3 id="directory-confirm-heading" class="utrecht-heading-3">"Controleer de vingerafdruk van de regio"</h3>
                        <p class="utrecht-paragraph">
                            {format!("Dit is het eerste deelnemersoverzicht op dit apparaat: {} (versie {}, {} deelnemers). ", p.region, p.version, p.participants)}
                            "Het legt de sleutel van de regio vast; daarna vertrouwt Zicht alleen overzichten met deze sleutel. "
                            "Vraag de regiocoördinator (bijvoorbeeld telefonisch) de vingerafdruk voor te lezen en typ de cijfers hieronder."
                        </p>
                        <TextField id="directory-confirm-digits" label="Vingerafdruk van de regio (30 cijfers)"
                            value=typed error=Signal::derive(move || typed_error.get())
                            description="Spaties mogen; alleen de cijfers tellen."/>
                        <p class="utrecht-paragraph">
                            <button id="directory-confirm-yes" type="button" class="utrecht-button utrecht-button--primary-action"
                                on:click=confirm>"Controleren en inlezen"</button>
                            " "
                            <button id="directory-confirm-no" type="button" class="utrecht-button utrecht-button--secondary-action"
                                on:click=reject>"Klopt niet: niet inlezen"</button>
                        </p>
                    </div></div>
                </div>
            })}
            <Outcome outcome=outcome id="directory-import-result"/>
        </section>
    }
}

#[component]
fn DirectoryView(dir: DirectoryStatus) -> impl IntoView {
    let rows: Vec<_> = dir
        .participants
        .iter()
        .map(|p| (p.clone(), is_me(&dir, p)))
        .collect();
    let me = me_text(&dir);
    let region = dir.region;
    let version = dir.version;
    let root = dir.root_fingerprint;
    view! {
        <dl class="utrecht-data-list zicht-data-list" id="directory-status">
            <DataItem key="Regio">{region}</DataItem>
            <DataItem key="Versie">{version}</DataItem>
            <DataItem key="Vingerafdruk regiosleutel">
                <span class="zicht-fingerprint-small" id="directory-root-fingerprint">{root}</span>
                <br/>"Vergelijk ook deze cijfers telefonisch met de regiocoördinator."
            </DataItem>
            <DataItem key="Dit apparaat staat in het overzicht">
                <span id="directory-me">{me}</span>
            </DataItem>
        </dl>
        <DataTable id="directory-participants" region="Deelnemers van de regio" columns=COLUMNS
            caption=format!("Deelnemers ({})", rows.len())>
            {rows.into_iter().map(|(p, me)| view! {
                <tr class="utrecht-table__row directory-row" data-id=p.id.clone()>
                    <td class="utrecht-table__cell">
                        {p.display_name.clone()}
                        {me.then_some(" (dit apparaat)")}
                    </td>
                    <td class="utrecht-table__cell">{p.role.label()}</td>
                    <td class="utrecht-table__cell">{p.municipality.clone()}</td>
                </tr>
            }).collect_view()}
        </DataTable>
    }
}
