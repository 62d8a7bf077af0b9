//! Auditlog: every create, view, change, export, send, receive and purge on this device, in a
//! hash chain the user can check and export for the privacy officer.

use crate::api;
use crate::logic::audit::{newest_first, short_record};
use crate::logic::errors::{export_failure_text, with_reason};
use crate::logic::format::datetime_nl;
use crate::state::{load_into, loading, Loaded};
use crate::widgets::{Column, DataTable, ErrorAlert, Loadable};
use leptos::prelude::*;
use leptos::task::spawn_local;
use zicht_model::{AuditEntry, AuditVerification};

#[component]
pub fn AuditScreen() -> impl IntoView {
    let entries: Loaded<Vec<AuditEntry>> = loading();
    let load = move || {
        load_into(entries, async {
            api::audit_log(None).await.map(newest_first)
        })
    };
    load();
    let verification: Loaded<AuditVerification> = loading();
    let verify = move |_| {
        verification.set(None);
        load_into(verification, api::verify_audit());
    };
    let export_status = RwSignal::new(String::new());
    let export_failure = RwSignal::new(None::<String>);
    let export = move |ask: bool| {
        export_status.set(String::new());
        export_failure.set(None);
        spawn_local(async move {
            let saved_at = if ask {
                api::export_audit_as().await
            } else {
                api::export_audit().await.map(Some)
            };
            match saved_at {
                Ok(None) => {
                    export_status.try_set("Niet opgeslagen: u heeft het venster gesloten.".into());
                }
                Ok(Some(path)) => {
                    export_status.try_set(format!("Opgeslagen als {path}"));
                    // The export itself is recorded too.
                    load();
                }
                Err(e) => {
                    export_failure.try_set(Some(export_failure_text("Exporteren is mislukt", &e)));
                }
            }
        });
    };
    view! {
        <h1 class="utrecht-heading-1" tabindex="-1">"Auditlog"</h1>
        <p class="utrecht-paragraph">
            "Zicht legt op dit apparaat elke handeling met gegevens vast: aanmaken, inzien, wijzigen, exporteren, "
            "verzenden, ontvangen en verwijderen na de bewaartermijn. Elke regel bevat een vingerafdruk (hash) van de regel ervoor, "
            "zodat de regels samen een keten vormen: wie achteraf een regel wijzigt of weghaalt, breekt de keten. "
            "De auditlog bevat geen persoonsgegevens uit signalen, alleen wie wat wanneer deed."
        </p>
        <section class="zicht-section" aria-labelledby="audit-check-heading">
            <h2 id="audit-check-heading" class="utrecht-heading-2">"Controleren en exporteren"</h2>
            <p class="utrecht-paragraph zicht-actions">
                <button type="button" id="audit-verify" class="utrecht-button utrecht-button--primary-action"
                    on:click=verify>"Controleer de keten"</button>
                <button type="button" id="audit-export" class="utrecht-button utrecht-button--secondary-action"
                    on:click=move |_| export(false)>"Exporteer naar Downloads"</button>
                <button type="button" id="audit-export-as" class="utrecht-button utrecht-button--secondary-action"
                    on:click=move |_| export(true)>"Exporteer als…"</button>
            </p>
            <p id="audit-verify-result" class="zicht-status" role="status" aria-live="polite">
                {move || match verification.get() {
                    None => String::new(),
                    Some(Ok(v)) => v.message,
                    Some(Err(m)) => with_reason("De keten kon niet worden gecontroleerd", &m),
                }}
            </p>
            <p id="audit-export-status" class="zicht-status" role="status" aria-live="polite">{move || export_status.get()}</p>
            {move || export_failure.get().map(|m| view! { <ErrorAlert id="audit-export-error" message=m/> })}
        </section>
        <section class="zicht-section" aria-labelledby="audit-entries-heading">
            <h2 id="audit-entries-heading" class="utrecht-heading-2">"Vastgelegde handelingen"</h2>
            <Loadable data=entries failed="De auditlog kon niet worden geladen"
                empty=|| view! { <p class="utrecht-paragraph" id="audit-log">"Nog niets vastgelegd."</p> }
                let:list>
                <DataTable id="audit-log" region="Auditlog, nieuwste eerst" columns=COLUMNS
                    caption=format!("{} handelingen, nieuwste eerst", list.len())>
                    {list.into_iter().map(|e| view! {
                        <tr class="utrecht-table__row audit-row" data-seq=e.seq.to_string()>
                            <td class="utrecht-table__cell utrecht-table__cell--numeric-data">{e.seq}</td>
                            <td class="utrecht-table__cell">{datetime_nl(&e.at)}</td>
                            <td class="utrecht-table__cell">{e.actor.clone()}</td>
                            <td class="utrecht-table__cell audit-action">{e.action.label()}</td>
                            <td class="utrecht-table__cell">{e.subject.label()}</td>
                            <td class="utrecht-table__cell"><code class="zicht-key">{short_record(e.record.as_deref())}</code></td>
                            <td class="utrecht-table__cell">{e.detail.clone()}</td>
                        </tr>
                    }).collect_view()}
                </DataTable>
            </Loadable>
        </section>
    }
}

const COLUMNS: &[Column] = &[
    Column::numeric("Nr."),
    Column::text("Tijd"),
    Column::text("Door"),
    Column::text("Handeling"),
    Column::text("Onderwerp"),
    Column::text("Record"),
    Column::text("Toelichting"),
];
