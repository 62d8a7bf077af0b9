//! The case's own audit trail (folded away under the case).

use crate::logic::format::datetime_nl;
use crate::widgets::{Column, DataTable};
use leptos::prelude::*;
use zicht_model::AuditEntry;

const COLUMNS: &[Column] = &[
    Column::text("Tijdstip"),
    Column::text("Door"),
    Column::text("Handeling"),
    Column::text("Toelichting"),
];

#[component]
pub(super) fn AuditTable(list: Vec<AuditEntry>) -> impl IntoView {
    view! {
        <DataTable id="case-audit-table" region="Auditlog van deze casus" columns=COLUMNS>
            {list.into_iter().map(|a| view! {
                <tr class="utrecht-table__row case-audit-row">
                    <td class="utrecht-table__cell">{datetime_nl(&a.at)}</td>
                    <td class="utrecht-table__cell">{a.actor}</td>
                    <td class="utrecht-table__cell">{a.action.label()}</td>
                    <td class="utrecht-table__cell">{a.detail}</td>
                </tr>
            }).collect_view()}
        </DataTable>
    }
}
