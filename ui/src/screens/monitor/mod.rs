//! Aard en omvang: the monitor figures for a period (month, quarter, year or a range of days)
//! and filters, with the CSV export. The officer and the regional table use it to report to
//! the council; every figure has passed the core's small-cell suppression and is shown as the
//! core wrote it (`report.rs`).

mod report;

use crate::api;
use crate::ctx::use_ctx;
use crate::logic::errors::{export_failure_text, message};
use crate::logic::fields::message_for;
use crate::logic::format::choices;
use crate::logic::monitor::{
    build_query, default_inputs, is_filtered, month_options, municipality_suggestions,
    period_label, quarter_options, year_options, MonitorInputs, FIELD_FROM, FIELD_PART, FIELD_TO,
    FIELD_YEAR, INCOMPLETE,
};
use crate::state::{loading, Loaded};
use crate::widgets::{ErrorAlert, Loadable, SelectField, TextField};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use zicht_model::{
    FieldError, Form, MonitorKind, MonitorQuery, MonitorReport, PeriodKind, Sector, Source,
};

/// The picker's and filters' inputs, one signal each (their values as the inputs hold them).
#[derive(Clone, Copy)]
struct Inputs {
    period: RwSignal<String>,
    year: RwSignal<String>,
    month: RwSignal<String>,
    quarter: RwSignal<String>,
    from: RwSignal<String>,
    to: RwSignal<String>,
    municipality: RwSignal<String>,
    kind: RwSignal<String>,
    form: RwSignal<String>,
    sector: RwSignal<String>,
    source: RwSignal<String>,
}

impl Inputs {
    fn new(d: MonitorInputs) -> Self {
        Inputs {
            period: RwSignal::new(d.period),
            year: RwSignal::new(d.year),
            month: RwSignal::new(d.month),
            quarter: RwSignal::new(d.quarter),
            from: RwSignal::new(d.from),
            to: RwSignal::new(d.to),
            municipality: RwSignal::new(d.municipality),
            kind: RwSignal::new(d.kind),
            form: RwSignal::new(d.form),
            sector: RwSignal::new(d.sector),
            source: RwSignal::new(d.source),
        }
    }

    fn get(&self) -> MonitorInputs {
        MonitorInputs {
            period: self.period.get(),
            year: self.year.get(),
            month: self.month.get(),
            quarter: self.quarter.get(),
            from: self.from.get(),
            to: self.to.get(),
            municipality: self.municipality.get(),
            kind: self.kind.get(),
            form: self.form.get(),
            sector: self.sector.get(),
            source: self.source.get(),
        }
    }

    fn clear_filters(&self) {
        for s in [
            self.municipality,
            self.kind,
            self.form,
            self.sector,
            self.source,
        ] {
            s.set(String::new());
        }
    }
}

type Query = Memo<Result<MonitorQuery, Vec<FieldError>>>;

/// The problem of one picker field, for its input.
fn field_problem(query: Query, field: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || query.with(|q| q.as_ref().err().and_then(|e| message_for(e, field))))
}

#[component]
pub fn MonitorScreen() -> impl IntoView {
    let ctx = use_ctx();
    // "Today" for the default period is the browser's clock: it only picks what to show first.
    let today = crate::dom::now().date();
    let inputs = Inputs::new(default_inputs(today));
    let raw = Memo::new(move |_| inputs.get());
    let query: Query = Memo::new(move |_| raw.with(build_query));
    let report: Loaded<MonitorReport> = loading();
    // The municipality the last report was about (a suggestion for the field).
    let reported = RwSignal::new(None::<String>);
    // Only the answer to the latest request counts (typing a municipality fires many).
    let seq = Arc::new(AtomicU64::new(0));
    Effect::new(move |_| {
        let Ok(q) = query.get() else {
            // A newer (incomplete) choice: an answer still on its way is stale.
            seq.fetch_add(1, Ordering::SeqCst);
            return;
        };
        let me = seq.fetch_add(1, Ordering::SeqCst) + 1;
        let seq = seq.clone();
        report.set(None);
        spawn_local(async move {
            let result = api::monitor(&q).await.map_err(message);
            if seq.load(Ordering::SeqCst) == me {
                if let Ok(r) = &result {
                    reported.try_set(Some(r.municipality.clone()));
                }
                report.try_set(Some(result));
            }
        });
    });
    let suggestions = Memo::new(move |_| {
        let own = ctx
            .profile
            .with(|p| p.as_ref().map(|p| p.municipality.clone()));
        reported.with(|r| municipality_suggestions(own.as_deref(), r.as_deref()))
    });
    let shown_period = move || match query.get() {
        Ok(q) => format!("Gekozen periode: {}.", period_label(&q)),
        Err(_) => INCOMPLETE.to_string(),
    };

    view! {
        <div id="monitor-screen" data-testid="monitor-screen" class="zicht-monitor">
            <h1 class="utrecht-heading-1" tabindex="-1">"Aard en omvang"</h1>
            <p class="utrecht-paragraph">
                "Hoeveel adviesvragen, signalen en casussen er waren, naar vorm van uitbuiting, sector en bron, "
                "vergeleken met de periode ervoor en met dezelfde periode een jaar eerder. "
                "Kleine aantallen worden niet getoond, zodat niemand herkenbaar is in de cijfers."
            </p>
            <section class="zicht-section" aria-labelledby="monitor-picker-heading">
                <h2 id="monitor-picker-heading" class="utrecht-heading-2">"Periode en filters"</h2>
                <Picker inputs=inputs query=query suggestions=suggestions/>
                <p id="monitor-period" class="utrecht-paragraph" role="status" aria-live="polite">{shown_period}</p>
                <Export query=query/>
            </section>
            <Regional/>
            {move || match query.get() {
                Err(_) => view! { <p class="utrecht-paragraph" id="monitor-incomplete">{INCOMPLETE}</p> }.into_any(),
                Ok(_) => view! {
                    <Loadable data=report failed="De cijfers konden niet worden geladen" let:r>
                        <report::Report report=r/>
                    </Loadable>
                }.into_any(),
            }}
        </div>
    }
}

/// The regional monitor: the officer shares the municipality's figures with the regional
/// table; the table sees which municipalities shared, and when.
#[component]
fn Regional() -> impl IntoView {
    let ctx = use_ctx();
    let role = move || ctx.profile.with(|p| p.as_ref().map(|p| p.role));
    let status = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<String>);
    let sources: Loaded<Vec<zicht_model::RegionalSource>> = loading();
    Effect::new(move |_| {
        if role() == Some(zicht_model::Role::RegionaleTafel) {
            spawn_local(async move {
                sources.try_set(Some(api::regional_sources().await.map_err(message)));
            });
        }
    });
    let sharing = RwSignal::new(false);
    let share = move |_| {
        // One bundle per click: a second click while the first is sealed does nothing.
        if sharing.get_untracked() {
            return;
        }
        sharing.set(true);
        status.set(String::new());
        failure.set(None);
        spawn_local(async move {
            match api::share_monitor().await {
                Ok(_) => {
                    status.try_set("De cijfers van de afgelopen drie jaar staan klaar voor de regionale tafel (alleen aantallen, versleuteld) en gaan mee met de volgende verbinding.".into());
                }
                Err(e) => {
                    failure.try_set(Some(export_failure_text("Delen is mislukt", &e)));
                }
            }
            sharing.try_set(false);
        });
    };
    move || {
        match role() {
        Some(zicht_model::Role::Aandachtsfunctionaris) => view! {
            <section class="zicht-section" aria-labelledby="monitor-share-heading">
                <h2 id="monitor-share-heading" class="utrecht-heading-2">"Cijfers delen met de regio"</h2>
                <p class="utrecht-paragraph" id="monitor-share-help">
                    "De regionale tafel krijgt alleen aantallen per maand en categorie, nooit registraties. "
                    "Kleine aantallen worden pas na het optellen van alle gemeenten verborgen."
                </p>
                <p class="utrecht-paragraph zicht-actions">
                    <button type="button" id="monitor-share" class="utrecht-button utrecht-button--secondary-action"
                        aria-describedby="monitor-share-help" aria-disabled=move || sharing.get().then_some("true")
                        on:click=share>"Cijfers delen met de regio"</button>
                </p>
                <p id="monitor-share-status" class="zicht-status zicht-wrap" role="status" aria-live="polite">{move || status.get()}</p>
                {move || failure.get().map(|m| view! { <ErrorAlert id="monitor-share-error" message=m/> })}
            </section>
        }.into_any(),
        Some(zicht_model::Role::RegionaleTafel) => view! {
            <section class="zicht-section" aria-labelledby="monitor-sources-heading">
                <h2 id="monitor-sources-heading" class="utrecht-heading-2">"Gedeeld door gemeenten"</h2>
                <p class="utrecht-paragraph">"De cijfers hieronder zijn die van de regio: de aantallen van deze gemeenten, opgeteld."</p>
                <Loadable data=sources failed="Het overzicht kon niet worden geladen" let:list>
                    {if list.is_empty() {
                        view! { <p class="utrecht-paragraph" id="monitor-sources-empty">"Nog geen gemeente heeft cijfers gedeeld."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="utrecht-unordered-list" id="monitor-sources">
                                {list.into_iter().map(|s| view! {
                                    <li class="monitor-source">
                                        {format!(
                                            "{}: {} t/m {}, gedeeld op {}",
                                            s.municipality,
                                            s.from,
                                            s.to,
                                            s.sent_at.map(|t| t.format("%d-%m-%Y").to_string()).unwrap_or_else(|| "?".into())
                                        )}
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </Loadable>
            </section>
        }.into_any(),
        _ => ().into_any(),
    }
    }
}

/// The period (kind, then year with month or quarter, or two dates) and the filters.
#[component]
fn Picker(inputs: Inputs, query: Query, suggestions: Memo<Vec<String>>) -> impl IntoView {
    let no_error = Signal::derive(|| None::<String>);
    let this_year = crate::dom::now().date().format("%Y").to_string();
    let years = year_options(this_year.parse().unwrap_or(2026));
    let kind = Memo::new(move |_| {
        inputs
            .period
            .with(|p| PeriodKind::from_wire(p).unwrap_or(PeriodKind::Quarter))
    });
    let period_fields = move || {
        let year = view! {
            <SelectField id="monitor-year" label="Jaar" value=inputs.year options=years.clone()
                error=field_problem(query, FIELD_YEAR)/>
        };
        match kind.get() {
            PeriodKind::Month => view! {
                {year}
                <SelectField id="monitor-part" label="Maand" value=inputs.month options=month_options()
                    error=field_problem(query, FIELD_PART)/>
            }
            .into_any(),
            PeriodKind::Quarter => view! {
                {year}
                <SelectField id="monitor-part" label="Kwartaal" value=inputs.quarter options=quarter_options()
                    error=field_problem(query, FIELD_PART)/>
            }
            .into_any(),
            PeriodKind::Year => year.into_any(),
            PeriodKind::Range => view! {
                <TextField id="monitor-from" label="Van" kind="date" value=inputs.from
                    error=field_problem(query, FIELD_FROM)/>
                <TextField id="monitor-to" label="Tot en met" kind="date" value=inputs.to
                    error=field_problem(query, FIELD_TO)/>
            }
            .into_any(),
        }
    };
    let filtered = Memo::new(move |_| is_filtered(&inputs.get()));

    view! {
        <form class="utrecht-form zicht-filters" id="monitor-picker" aria-label="Periode en filters kiezen"
            novalidate=true on:submit=|ev| ev.prevent_default()>
            <SelectField id="monitor-period-kind" label="Soort periode" value=inputs.period
                options=choices(PeriodKind::ALL, PeriodKind::wire, PeriodKind::label) error=no_error/>
            {period_fields}
            <TextField id="monitor-filter-municipality" label="Gemeente" value=inputs.municipality error=no_error
                kind="search" list="monitor-municipalities"
                description="Leeg laten: alle gemeenten in uw overzicht."/>
            <SelectField id="monitor-filter-kind" label="Soort" value=inputs.kind
                options=choices(MonitorKind::ALL, MonitorKind::wire, MonitorKind::label) error=no_error
                placeholder="Alle soorten"/>
            <SelectField id="monitor-filter-form" label="Vorm van uitbuiting" value=inputs.form
                options=choices(Form::ALL, Form::wire, Form::label) error=no_error placeholder="Alle vormen"/>
            <SelectField id="monitor-filter-sector" label="Sector" value=inputs.sector
                options=choices(Sector::ALL, Sector::wire, Sector::label) error=no_error placeholder="Alle sectoren"/>
            <SelectField id="monitor-filter-source" label="Bron" value=inputs.source
                options=choices(Source::ALL, Source::wire, Source::label) error=no_error placeholder="Alle bronnen"/>
            {move || filtered.get().then(|| view! {
                <p class="utrecht-paragraph zicht-filters__clear">
                    <button type="button" id="monitor-filter-clear" class="utrecht-button utrecht-button--secondary-action"
                        on:click=move |_| inputs.clear_filters()>"Filters wissen"</button>
                </p>
            })}
        </form>
        <datalist id="monitor-municipalities">
            {move || suggestions.get().into_iter().map(|m| view! { <option value=m></option> }).collect_view()}
        </datalist>
    }
}

/// "CSV opslaan…" / "Excel opslaan…" (save dialog) and "… naar Downloads", with where the
/// file went.
#[component]
fn Export(query: Query) -> impl IntoView {
    let status = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<String>);
    let exporting = RwSignal::new(false);
    // `ask`: choose the place in the "save as" dialog; else straight to the download folder.
    // `excel`: the workbook; else the CSV.
    let export = move |excel: bool, ask: bool| {
        if exporting.get_untracked() {
            return;
        }
        status.set(String::new());
        failure.set(None);
        let Ok(q) = query.get_untracked() else {
            failure.set(Some(INCOMPLETE.into()));
            return;
        };
        exporting.set(true);
        spawn_local(async move {
            let format = if excel {
                zicht_model::MonitorFormat::Xlsx
            } else {
                zicht_model::MonitorFormat::Csv
            };
            let saved_at = if ask {
                api::export_monitor_as(&q, format).await
            } else {
                api::export_monitor(&q, format).await.map(Some)
            };
            match saved_at {
                Ok(None) => {
                    status.try_set("Niet opgeslagen: u heeft het venster gesloten.".into());
                }
                Ok(Some(path)) => {
                    status.try_set(format!("Opgeslagen als {path}"));
                }
                Err(e) => {
                    failure.try_set(Some(export_failure_text("Exporteren is mislukt", &e)));
                }
            }
            exporting.try_set(false);
        });
    };
    let disabled = move || (exporting.get() || query.with(|q| q.is_err())).then_some("true");
    view! {
        <p class="utrecht-paragraph" id="monitor-export-help">
            "Het CSV-bestand en de Excel-werkmap (een blad per overzicht) bevatten dezelfde cijfers als dit scherm, met de toelichting eronder."
        </p>
        <p class="utrecht-paragraph zicht-actions">
            <button type="button" id="monitor-export-csv-as" data-testid="monitor-export-csv-as"
                class="utrecht-button utrecht-button--primary-action"
                aria-describedby="monitor-export-help" aria-disabled=disabled
                on:click=move |_| export(false, true)>"CSV opslaan…"</button>
            <button type="button" id="monitor-export-csv" data-testid="monitor-export-csv"
                class="utrecht-button utrecht-button--secondary-action"
                aria-describedby="monitor-export-help" aria-disabled=disabled
                on:click=move |_| export(false, false)>"CSV naar Downloads"</button>
            <button type="button" id="monitor-export-xlsx-as" data-testid="monitor-export-xlsx-as"
                class="utrecht-button utrecht-button--secondary-action"
                aria-describedby="monitor-export-help" aria-disabled=disabled
                on:click=move |_| export(true, true)>"Excel opslaan…"</button>
            <button type="button" id="monitor-export-xlsx" data-testid="monitor-export-xlsx"
                class="utrecht-button utrecht-button--secondary-action"
                aria-describedby="monitor-export-help" aria-disabled=disabled
                on:click=move |_| export(true, false)>"Excel naar Downloads"</button>
        </p>
        <p id="monitor-export-status" class="zicht-status zicht-wrap" role="status" aria-live="polite">{move || status.get()}</p>
        {move || failure.get().map(|m| view! { <ErrorAlert id="monitor-export-error" message=m/> })}
    }
}
