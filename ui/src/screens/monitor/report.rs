//! The report itself: the summary, key figures, a chart and a table per breakdown, the monthly
//! trend, the durations and the footnote. Every figure is the core's `text`, as published; a
//! hidden one carries a marker, an explaining title and a reference to the footnote.

use crate::logic::chart::HIDDEN_TITLE;
use crate::logic::format::datetime_nl;
use crate::logic::monitor::{
    column_title, current_items, ledger_note, median_text, row_over_columns, spread_text,
    MULTI_VALUED_NOTE,
};
use crate::widgets::{BarChart, Column, DataTable};
use leptos::prelude::*;
use zicht_model::{DurationFigure, Figure, KeyFigure, MonitorReport, MonitorTable};

/// The id of the footnote every hidden figure refers to.
const FOOTNOTE_ID: &str = "monitor-footnote";

/// The marker after a hidden figure (the footnote starts with it).
fn marker() -> impl IntoView {
    view! { <span class="zicht-figure__marker" aria-hidden="true">"*"</span> }
}

/// A figure inside running text or a card.
fn figure_text(f: Figure, class: &'static str) -> impl IntoView {
    if f.hidden {
        view! {
            <span class=format!("{class} zicht-figure--hidden") data-hidden="true" title=HIDDEN_TITLE
                aria-describedby=FOOTNOTE_ID>{f.text}{marker()}</span>
        }
        .into_any()
    } else {
        view! { <span class=class>{f.text}</span> }.into_any()
    }
}

/// A figure in a table cell.
fn figure_cell(f: Figure) -> impl IntoView {
    if f.hidden {
        view! {
            <td class="utrecht-table__cell utrecht-table__cell--numeric-data zicht-figure--hidden"
                data-hidden="true" title=HIDDEN_TITLE aria-describedby=FOOTNOTE_ID>
                {f.text}{marker()}
            </td>
        }
        .into_any()
    } else {
        view! { <td class="utrecht-table__cell utrecht-table__cell--numeric-data">{f.text}</td> }
            .into_any()
    }
}

#[component]
pub fn Report(report: MonitorReport) -> impl IntoView {
    let MonitorReport {
        period,
        previous,
        year_earlier,
        period_title,
        municipality,
        key_figures,
        tables,
        trend,
        durations,
        footnote,
        summary,
        ledger_months,
        made_at,
        ..
    } = report;
    let current = column_title(&period);
    let previous = column_title(&previous);
    let year_earlier = column_title(&year_earlier);
    let about = if municipality.trim().is_empty() {
        format!("Gemaakt op {}.", datetime_nl(&made_at))
    } else {
        format!("{municipality}. Gemaakt op {}.", datetime_nl(&made_at))
    };

    view! {
        <section class="zicht-section" aria-labelledby="monitor-figures-heading" id="monitor-report">
            <h2 id="monitor-figures-heading" class="utrecht-heading-2">{format!("Kerncijfers {period_title}")}</h2>
            <p class="utrecht-paragraph" id="monitor-about">{about}</p>
            <p class="utrecht-paragraph" id="monitor-summary">{summary}</p>
            {ledger_note(&ledger_months).map(|n| view! {
                <p class="utrecht-paragraph" id="monitor-ledger-note">{n}</p>
            })}
            <ul class="zicht-key-figures" id="monitor-key-figures">
                {key_figures.into_iter().map(|k| view! {
                    <KeyFigureCard figure=k previous=previous.clone() year_earlier=year_earlier.clone()/>
                }).collect_view()}
            </ul>
        </section>
        {tables.into_iter().map(|t| view! { <Breakdown table=t current=current.clone()/> }).collect_view()}
        <Trend table=trend/>
        <Durations durations=durations/>
        <p class="utrecht-paragraph zicht-footnote" id=FOOTNOTE_ID data-testid=FOOTNOTE_ID>
            <span aria-hidden="true">"* "</span>{footnote}
        </p>
    }
}

#[component]
fn KeyFigureCard(figure: KeyFigure, previous: String, year_earlier: String) -> impl IntoView {
    let id = format!("key-figure-{}", figure.kind.wire());
    let heading = format!("{id}-heading");
    view! {
        <li class="zicht-key-figure" id=id.clone() data-testid=id>
            <h3 class="utrecht-heading-3 zicht-key-figure__label" id=heading>{figure.kind.label()}</h3>
            <p class="zicht-key-figure__value">{figure_text(figure.current, "key-figure-value")}</p>
            <p class="utrecht-paragraph zicht-key-figure__compare">
                {format!("vorige periode ({previous}): ")}
                {figure_text(figure.previous, "key-figure-previous")}
            </p>
            <p class="utrecht-paragraph zicht-key-figure__compare">
                {format!("jaar eerder ({year_earlier}): ")}
                {figure_text(figure.year_earlier, "key-figure-year-earlier")}
            </p>
            {figure.change.map(|c| view! { <p class="utrecht-paragraph zicht-key-figure__change">{c}</p> })}
        </li>
    }
}

/// The table of a breakdown: categories down (under the header `first`), periods across, then
/// the total.
fn figure_table(table: &MonitorTable, first: String, id: String, region: String) -> impl IntoView {
    let mut columns = vec![Column::text_titled(first)];
    columns.extend(
        table
            .columns
            .iter()
            .map(|c| Column::numeric_titled(column_title(c))),
    );
    let rows = table.rows.clone();
    let totals = table.totals.clone();
    view! {
        <DataTable id=id region=region columns=columns>
            {rows.into_iter().map(|r| view! {
                <tr class="utrecht-table__row monitor-row" data-key=r.key.clone()>
                    <th class="utrecht-table__header-cell" scope="row">{r.label.clone()}</th>
                    {r.cells.into_iter().map(figure_cell).collect_view()}
                </tr>
            }).collect_view()}
            {(!totals.is_empty()).then(|| view! {
                <tr class="utrecht-table__row monitor-row zicht-table__total" data-key="totaal">
                    <th class="utrecht-table__header-cell" scope="row">"Totaal"</th>
                    {totals.into_iter().map(figure_cell).collect_view()}
                </tr>
            })}
        </DataTable>
    }
}

/// The notes under a table: the overlap note first, then the core's own.
fn table_notes(table: &MonitorTable) -> impl IntoView {
    let mut notes: Vec<String> = Vec::new();
    if table.multi_valued {
        notes.push(MULTI_VALUED_NOTE.to_string());
    }
    notes.extend(table.notes.iter().cloned());
    notes
        .into_iter()
        .map(|n| view! { <p class="utrecht-paragraph zicht-table-note">{n}</p> })
        .collect_view()
}

/// One breakdown (form, sector, source, …): a bar chart of the period asked for, and the table.
#[component]
fn Breakdown(table: MonitorTable, current: String) -> impl IntoView {
    let heading = format!("monitor-section-{}-heading", table.id);
    let chart_title = format!("{}, {current}", table.title);
    let items = current_items(&table);
    let chart_id = format!("monitor-chart-{}", table.id);
    let region = format!("Tabel {}", table.title);
    let grid = figure_table(
        &table,
        table.title.clone(),
        format!("monitor-table-{}", table.id),
        region,
    );
    let notes = table_notes(&table);
    let labelled_by = heading.clone();
    view! {
        <section class="zicht-section" aria-labelledby=labelled_by>
            <h2 id=heading class="utrecht-heading-2">{table.title.clone()}</h2>
            <BarChart id=chart_id title=chart_title items=items/>
            {grid}
            {notes}
        </section>
    }
}

/// The records per month of the period: per kind a chart over the months, then the table.
#[component]
fn Trend(table: MonitorTable) -> impl IntoView {
    let title = if table.title.trim().is_empty() {
        "Verloop per maand".to_string()
    } else {
        table.title.clone()
    };
    let charts = table
        .rows
        .iter()
        .map(|r| {
            let heading = format!("monitor-trend-{}-heading", r.key);
            let items = row_over_columns(&table, r);
            let chart_title = format!("{}, {}", r.label, title.to_lowercase());
            view! {
                <h3 id=heading class="utrecht-heading-3">{r.label.clone()}</h3>
                <BarChart id=format!("monitor-trend-chart-{}", r.key) title=chart_title items=items/>
            }
        })
        .collect_view();
    let region = format!("Tabel {title}");
    let grid = figure_table(
        &table,
        "Soort".into(),
        format!("monitor-table-{}", table.id),
        region,
    );
    let notes = table_notes(&table);
    view! {
        <section class="zicht-section" aria-labelledby="monitor-trend-heading" id="monitor-trend">
            <h2 id="monitor-trend-heading" class="utrecht-heading-2">{title}</h2>
            {charts}
            {grid}
            {notes}
        </section>
    }
}

const DURATION_COLUMNS: &[Column] = &[
    Column::text("Doorlooptijd"),
    Column::numeric("Aantal"),
    Column::numeric("Mediaan"),
    Column::numeric("Kortste–langste"),
];

/// How long things took: per duration the records it is over, the median and the spread.
#[component]
fn Durations(durations: Vec<DurationFigure>) -> impl IntoView {
    (!durations.is_empty()).then(|| {
        view! {
            <section class="zicht-section" aria-labelledby="monitor-durations-heading">
                <h2 id="monitor-durations-heading" class="utrecht-heading-2">"Doorlooptijden"</h2>
                <DataTable id="monitor-durations" region="Tabel doorlooptijden" columns=DURATION_COLUMNS>
                    {durations.into_iter().map(|d| {
                        let spread = spread_text(d.median_days, d.min_days, d.max_days);
                        view! {
                            <tr class="utrecht-table__row monitor-duration">
                                <th class="utrecht-table__header-cell" scope="row">{d.label.clone()}</th>
                                {figure_cell(d.records)}
                                <td class="utrecht-table__cell utrecht-table__cell--numeric-data">{median_text(d.median_days)}</td>
                                <td class="utrecht-table__cell utrecht-table__cell--numeric-data">{spread}</td>
                            </tr>
                        }
                    }).collect_view()}
                </DataTable>
            </section>
        }
    })
}
