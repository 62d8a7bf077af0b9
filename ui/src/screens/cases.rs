//! Casussen: the attention officer's cases (acute first), and a form to start a new case from
//! one or more signals.

use crate::api;
use crate::ctx::{use_ctx, View};
use crate::logic::case::{
    case_input, choice_id, in_order, retention_text, signal_choice_text, signal_errors, toggle,
};
use crate::logic::errors::form_alert;
use crate::state::{load_into, loading, FormStatus, Loaded};
use crate::widgets::{
    CheckboxField, Column, DataTable, ErrorAlert, Fieldset, ListCount, Loadable, Loading,
    TextField, ValueCheckbox,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeSet;
use zicht_model::{CaseSummary, SignalFilter, SignalSummary};

#[component]
pub fn CasesScreen() -> impl IntoView {
    let rows: Loaded<Vec<CaseSummary>> = loading();
    let show_new = RwSignal::new(false);
    load_into(rows, api::cases());

    view! {
        <h1 class="utrecht-heading-1" tabindex="-1">"Casussen"</h1>
        <p class="utrecht-paragraph">
            <button type="button" id="case-new" class="utrecht-button utrecht-button--primary-action"
                aria-expanded=move || if show_new.get() { "true" } else { "false" }
                aria-controls="case-new-section"
                on:click=move |_| show_new.update(|s| *s = !*s)>"Nieuwe casus"</button>
        </p>
        <div id="case-new-section">
            {move || show_new.get().then(|| view! { <NewCaseForm/> })}
        </div>
        <section class="zicht-section" aria-labelledby="case-list-heading">
            <h2 id="case-list-heading" class="utrecht-heading-2">"Overzicht"</h2>
            <ListCount data=rows id="case-list-count" one="casus" many="casussen"/>
            <Loadable data=rows failed="De casussen konden niet worden geladen" loading=Loading::Hidden
                empty=|| view! { <p class="utrecht-paragraph" id="case-list">"Er zijn nog geen casussen."</p> }
                let:list>
                <CaseTable list=list/>
            </Loadable>
        </section>
    }
}

const COLUMNS: &[Column] = &[
    Column::text("Werktitel"),
    Column::text("Status"),
    Column::numeric("Signalen"),
    Column::text("Weging"),
    Column::text("Traject"),
    Column::text("Bewaren tot"),
    Column::hidden("Actie"),
];

#[component]
fn CaseTable(list: Vec<CaseSummary>) -> impl IntoView {
    let ctx = use_ctx();
    view! {
        <DataTable id="case-list" region="Lijst van casussen" columns=COLUMNS>
            {list.into_iter().map(|c| {
                let id = c.id.clone();
                let title = c.title.clone();
                view! {
                    <tr class="utrecht-table__row case-row" data-id=c.id.clone()>
                        <td class="utrecht-table__cell">
                            {c.title.clone()}
                            {c.acute.then(|| view! { " " <strong class="zicht-acute case-acute-marker">"Acuut"</strong> })}
                        </td>
                        <td class="utrecht-table__cell">{c.status.label()}</td>
                        <td class="utrecht-table__cell utrecht-table__cell--numeric-data">{c.signals}</td>
                        <td class="utrecht-table__cell">{c.weging.map(|w| w.label()).unwrap_or("Niet gewogen")}</td>
                        <td class="utrecht-table__cell">{c.track.map(|t| t.label()).unwrap_or("")}</td>
                        <td class="utrecht-table__cell">{retention_text(c.retention_until.as_ref())}</td>
                        <td class="utrecht-table__cell">
                            <button type="button" class="utrecht-button utrecht-button--secondary-action case-open"
                                on:click=move |_| ctx.go(View::Casus(id.clone()))>
                                "Openen" <span class="zicht-visually-hidden">{format!(" (casus {title})")}</span>
                            </button>
                        </td>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
    }
}

/// "Nieuwe casus": a working title, the signals and whether it is acute.
#[component]
fn NewCaseForm() -> impl IntoView {
    let ctx = use_ctx();
    let signals: Loaded<Vec<SignalSummary>> = loading();
    let title = RwSignal::new(String::new());
    let acute = RwSignal::new(false);
    let chosen = RwSignal::new(BTreeSet::<String>::new());
    let form = FormStatus::new();
    let errors = form.errors;
    // The signal ids as last submitted: `signals.N` errors refer to positions in it.
    let submitted = RwSignal::new(Vec::<String>::new());
    load_into(signals, async {
        api::list_signals(&SignalFilter::default()).await
    });
    let order = move || -> Vec<String> {
        signals.with_untracked(|s| match s {
            Some(Ok(list)) => list.iter().map(|s| s.id.clone()).collect(),
            _ => Vec::new(),
        })
    };
    let submit = move || {
        if !form.begin() {
            return;
        }
        let ids = chosen.with_untracked(|c| in_order(c, &order()));
        let input = case_input(&title.get_untracked(), ids.clone(), acute.get_untracked());
        spawn_local(async move {
            match api::create_case(&input).await {
                Ok(case) => {
                    ctx.go(View::Casus(case.id));
                }
                Err(e) => {
                    let alert = form_alert(Some("De casus is niet aangemaakt"), &e, |f| {
                        f == "title" || f == "signals" || f.starts_with("signals.")
                    });
                    if alert.is_some() {
                        form.failure.try_set(alert);
                    }
                    submitted.try_set(ids);
                    errors.try_set(e.fields);
                    form.busy.try_set(false);
                }
            }
        });
    };

    view! {
        <section class="zicht-section" aria-labelledby="case-new-heading">
            <h2 id="case-new-heading" class="utrecht-heading-2">"Nieuwe casus"</h2>
            <form class="utrecht-form" novalidate=true on:submit=move |ev| { ev.prevent_default(); submit(); }>
                <TextField id="case-title" label="Werktitel (zonder namen)" value=title
                    error=form.field("title")
                    description="Een korte titel die niemand identificeert, bijvoorbeeld de naam van het park."/>
                <Fieldset legend="Signalen in deze casus" id="case-signals"
                    error=form.field("signals") error_for="case-signals">
                    <Loadable data=signals failed="De signalen konden niet worden geladen"
                        empty=|| view! {
                            <p class="utrecht-paragraph" id="case-no-signals">"Er zijn nog geen signalen vastgelegd."</p>
                        }
                        let:list>
                        {list.into_iter().map(|s| {
                            let sid = s.id.clone();
                            let sid2 = s.id.clone();
                            let sid3 = s.id.clone();
                            let error = Signal::derive(move || {
                                let errs = errors.with(|e| submitted.with(|sub| signal_errors(e, sub)));
                                let msgs: Vec<String> = errs.into_iter().filter(|(id, _)| *id == sid3).map(|(_, m)| m).collect();
                                (!msgs.is_empty()).then(|| msgs.join(" "))
                            });
                            view! {
                                <ValueCheckbox id=choice_id("case-signal", &s.id) class="case-signal" value=s.id.clone()
                                    label=signal_choice_text(&s)
                                    checked=Signal::derive(move || chosen.with(|c| c.contains(&sid)))
                                    on_toggle=Callback::new(move |on: bool| chosen.update(|c| toggle(c, &sid2, on)))
                                    error=error/>
                            }
                        }).collect_view()}
                    </Loadable>
                </Fieldset>
                <CheckboxField id="case-acute"
                    label="Acuut: eerst monodisciplinair ingrijpen, daarna de tafel informeren"
                    checked=Signal::derive(move || acute.get())
                    on_toggle=Callback::new(move |on: bool| acute.set(on))/>
                {move || form.failure.get().map(|m| view! { <ErrorAlert id="case-new-error" message=m/> })}
                <p class="utrecht-paragraph">
                    <button type="submit" id="case-create" class="utrecht-button utrecht-button--primary-action"
                        aria-disabled=move || form.disabled()>"Casus aanmaken"</button>
                </p>
            </form>
        </section>
    }
}
