//! Nieuw signaal: the form an inspector fills in within a minute. Forms and sector narrow the
//! indicator checklist; inside a control, place, time and source come from the control. The
//! draft is autosaved about a second after every change and restored when the screen opens.

use crate::api;
use crate::ctx::{use_ctx, Ctx, View};
use crate::dom::{focus_id, now};
use crate::logic::checklist::{checklist, effective_indicators, CardGroup};
use crate::logic::errors::{failure_text, message};
use crate::logic::fields::{error_id, person_input_id, signal_field_input, summary};
use crate::logic::form::{next_person_label, toggle, FormState, PersonForm};
use crate::logic::format::{count_text, datetime_nl, time_nl};
use crate::logic::keys::{shortcut, Shortcut};
use crate::widgets::{
    field_error, AdviceList, CheckboxField, ErrorAlert, ErrorSummary, FieldErrorMessage, Fieldset,
    RadioField, SelectField, TextAreaField, TextField,
};
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use zicht_model::{
    AgeBand, FieldError, Form, PersonRole, RecordKind, SavedSignal, Sector, SignalInput, Source,
    Urgency,
};

/// How long after the last change the draft is saved.
const AUTOSAVE_DELAY: Duration = Duration::from_millis(1000);

#[derive(Clone, Copy)]
struct PersonSignals {
    label: RwSignal<String>,
    role: RwSignal<String>,
    age: RwSignal<String>,
    minor: RwSignal<bool>,
    nationality: RwSignal<String>,
}

impl PersonSignals {
    fn new(p: &PersonForm) -> Self {
        PersonSignals {
            label: RwSignal::new(p.label.clone()),
            role: RwSignal::new(p.role.wire().to_string()),
            age: RwSignal::new(p.age_band.wire().to_string()),
            minor: RwSignal::new(p.minor),
            nationality: RwSignal::new(p.nationality.clone()),
        }
    }

    fn snapshot(&self) -> PersonForm {
        PersonForm {
            label: self.label.get(),
            role: PersonRole::from_wire(&self.role.get()).unwrap_or(PersonRole::Onbekend),
            age_band: AgeBand::from_wire(&self.age.get()).unwrap_or(AgeBand::Onbekend),
            minor: self.minor.get(),
            nationality: self.nationality.get(),
        }
    }
}

/// The form's inputs as signals; `snapshot` turns them into plain `FormState`.
#[derive(Clone, Copy)]
struct FormSignals {
    kind: RwSignal<RecordKind>,
    forms: RwSignal<Vec<Form>>,
    sector: RwSignal<String>,
    ticked: RwSignal<Vec<String>>,
    observed_at: RwSignal<String>,
    source: RwSignal<String>,
    location: RwSignal<String>,
    observation: RwSignal<String>,
    urgency: RwSignal<String>,
    persons: RwSignal<Vec<PersonSignals>>,
    control_id: RwSignal<Option<String>>,
}

impl FormSignals {
    fn new(s: &FormState) -> Self {
        let f = FormSignals {
            kind: RwSignal::new(s.kind),
            forms: RwSignal::new(Vec::new()),
            sector: RwSignal::new(String::new()),
            ticked: RwSignal::new(Vec::new()),
            observed_at: RwSignal::new(String::new()),
            source: RwSignal::new(String::new()),
            location: RwSignal::new(String::new()),
            observation: RwSignal::new(String::new()),
            urgency: RwSignal::new(String::new()),
            persons: RwSignal::new(Vec::new()),
            control_id: RwSignal::new(None),
        };
        f.load(s);
        f
    }

    fn load(&self, s: &FormState) {
        self.kind.set(s.kind);
        self.forms.set(s.forms.clone());
        self.sector
            .set(s.sector.map(|x| x.wire().to_string()).unwrap_or_default());
        self.ticked.set(s.ticked.clone());
        self.observed_at.set(s.observed_at.clone());
        self.source
            .set(s.source.map(|x| x.wire().to_string()).unwrap_or_default());
        self.location.set(s.location.clone());
        self.observation.set(s.observation.clone());
        self.urgency.set(s.urgency.wire().to_string());
        self.persons
            .set(s.persons.iter().map(PersonSignals::new).collect());
        self.control_id.set(s.control_id.clone());
    }

    fn snapshot(&self) -> FormState {
        FormState {
            kind: self.kind.get(),
            forms: self.forms.get(),
            sector: Sector::from_wire(&self.sector.get()),
            ticked: self.ticked.get(),
            observed_at: self.observed_at.get(),
            source: Source::from_wire(&self.source.get()),
            location: self.location.get(),
            observation: self.observation.get(),
            urgency: Urgency::from_wire(&self.urgency.get()).unwrap_or(Urgency::Normaal),
            persons: self
                .persons
                .get()
                .iter()
                .map(PersonSignals::snapshot)
                .collect(),
            control_id: self.control_id.get(),
        }
    }
}

/// Autosave bookkeeping shared with timers and the cleanup (which may run after the
/// component is gone, so plain thread-safe cells rather than signals).
#[derive(Clone, Default)]
struct Autosave {
    generation: Arc<AtomicU64>,
    pending: Arc<Mutex<Option<SignalInput>>>,
}

impl Autosave {
    fn schedule(
        &self,
        ctx: Ctx,
        draft: SignalInput,
        status: RwSignal<String>,
        last_saved: StoredValue<Option<SignalInput>>,
    ) {
        let me = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        if let Ok(mut p) = self.pending.lock() {
            *p = Some(draft);
        }
        let this = self.clone();
        set_timeout(
            move || {
                if this.generation.load(Ordering::SeqCst) == me {
                    this.flush(ctx, status, last_saved);
                }
            },
            AUTOSAVE_DELAY,
        );
    }

    /// Saves the pending draft now, if any.
    fn flush(
        &self,
        ctx: Ctx,
        status: RwSignal<String>,
        last_saved: StoredValue<Option<SignalInput>>,
    ) {
        let draft = self.pending.lock().ok().and_then(|mut p| p.take());
        if let Some(draft) = draft {
            ctx.draft_in_flight.set(Some(draft.clone()));
            spawn_local(async move {
                let result = api::save_draft(&draft).await;
                if ctx
                    .draft_in_flight
                    .with_untracked(|d| d.as_ref() == Some(&draft))
                {
                    ctx.draft_in_flight.set(None);
                }
                match result {
                    Ok(()) => {
                        status.try_set(format!(
                            "Concept automatisch bewaard om {}",
                            time_nl(&now())
                        ));
                        last_saved.try_set_value(Some(draft));
                    }
                    Err(e) => {
                        status.try_set(failure_text("Het concept kon niet worden bewaard", &e));
                    }
                }
            });
        }
    }

    /// Drops any pending save (after the signal itself was saved or discarded).
    fn cancel(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut p) = self.pending.lock() {
            *p = None;
        }
    }
}

#[component]
pub fn SignalFormScreen() -> impl IntoView {
    let ctx = use_ctx();
    let fs = FormSignals::new(&FormState::fresh(
        now(),
        ctx.active_control.get_untracked().as_ref(),
    ));
    let ready = RwSignal::new(false);
    let saved = RwSignal::new(None::<SavedSignal>);
    let save_status = RwSignal::new(String::new());
    let draft_status = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let query = RwSignal::new(String::new());
    let autosave = Autosave::default();
    let last_saved = StoredValue::new(None::<SignalInput>);
    // The untouched form: never autosaved (a fresh form is not a draft).
    let pristine = StoredValue::new(None::<SignalInput>);

    // The input as it would be sent now (also the draft).
    let input = Memo::new(move |_| {
        let st = fs.snapshot();
        let inds = ctx.cards.with(|c| match c {
            Some(set) => effective_indicators(set, &st.forms, st.sector, &st.ticked),
            None => st.ticked.clone(),
        });
        st.to_input(inds)
    });

    // Restore the draft, if there is one.
    spawn_local(async move {
        let loaded = match ctx.draft_in_flight.get_untracked() {
            Some(d) => Ok(Some(d)),
            None => api::load_draft().await,
        };
        match loaded {
            Ok(Some(draft)) => {
                fs.load(&FormState::from_input(&draft, now()));
                last_saved.try_set_value(Some(draft));
                draft_status.try_set("Uw concept is hersteld.".into());
            }
            Ok(None) => {}
            Err(e) => {
                draft_status.try_set(failure_text("Het concept kon niet worden geladen", &e));
            }
        }
        pristine.try_set_value(input.try_get_untracked());
        ready.try_set(true);
    });

    {
        let autosave = autosave.clone();
        Effect::new(move |_| {
            let draft = input.get();
            if !ready.get() || saved.with_untracked(|s| s.is_some()) {
                return;
            }
            let unchanged = last_saved.with_value(|l| l.as_ref() == Some(&draft))
                || pristine.with_value(|p| p.as_ref() == Some(&draft));
            if !unchanged {
                autosave.schedule(ctx, draft, draft_status, last_saved);
            }
        });
    }
    {
        let autosave = autosave.clone();
        on_cleanup(move || autosave.flush(ctx, draft_status, last_saved));
    }

    let submit = {
        let autosave = autosave.clone();
        Callback::new(move |()| {
            if busy.get_untracked()
                || saved.with_untracked(|s| s.is_some())
                || !ready.get_untracked()
            {
                return;
            }
            let local = fs.snapshot().local_errors();
            if !local.is_empty() {
                errors.set(local);
                focus_id("signal-summary");
                return;
            }
            let to_send = input.get_untracked();
            busy.set(true);
            failure.set(None);
            save_status.set("Bezig met opslaan…".into());
            let autosave = autosave.clone();
            spawn_local(async move {
                let result = api::record_signal(&to_send).await;
                busy.try_set(false);
                match result {
                    Ok(s) => {
                        autosave.cancel();
                        errors.try_set(Vec::new());
                        saved.try_set(Some(s));
                        save_status.try_set("Opgeslagen".into());
                        draft_status.try_set(String::new());
                        last_saved.try_set_value(None);
                        if let Err(e) = api::clear_draft().await {
                            draft_status
                                .try_set(failure_text("Het concept kon niet worden gewist", &e));
                        }
                        focus_id("result-heading");
                    }
                    Err(e) => {
                        save_status.try_set("Niet opgeslagen".into());
                        if e.fields.is_empty() {
                            failure.try_set(Some(message(e)));
                        } else {
                            errors.try_set(e.fields);
                            focus_id("signal-summary");
                        }
                    }
                }
            });
        })
    };

    // Ctrl+S saves while this screen is open.
    let listener = window_event_listener(ev::keydown, move |e| {
        if shortcut(&e.code(), &e.key(), e.alt_key(), e.ctrl_key(), e.meta_key())
            == Some(Shortcut::Save)
        {
            e.prevent_default();
            submit.run(());
        }
    });
    on_cleanup(move || listener.remove());

    let reset = {
        let autosave = autosave.clone();
        move || {
            autosave.cancel();
            let fresh = FormState::fresh(now(), ctx.active_control.get_untracked().as_ref());
            fs.load(&fresh);
            pristine.set_value(Some(input.get_untracked()));
            last_saved.set_value(None);
            errors.set(Vec::new());
            failure.set(None);
            query.set(String::new());
            saved.set(None);
            save_status.set(String::new());
            focus_id("signal-kind-signaal");
        }
    };
    {
        // "Nieuw signaal" again (nav or Alt+N) after saving: start afresh.
        let reset = reset.clone();
        Effect::new(move |prev: Option<u32>| {
            let n = ctx.new_signal.get();
            if prev.is_some() && saved.with_untracked(|s| s.is_some()) {
                reset();
            }
            n
        });
    }
    let another = {
        let reset = reset.clone();
        move |_| reset()
    };
    let on_discard = Callback::new(move |_: leptos::ev::MouseEvent| {
        reset();
        spawn_local(async move {
            match api::clear_draft().await {
                Ok(()) => draft_status.try_set("Het concept is gewist.".into()),
                Err(e) => {
                    draft_status.try_set(failure_text("Het concept kon niet worden gewist", &e))
                }
            };
        });
    });

    view! {
        <h1 class="utrecht-heading-1" tabindex="-1">"Nieuw signaal"</h1>
        <p id="save-status" class="zicht-status" role="status" aria-live="polite">{move || save_status.get()}</p>
        {move || match saved.get() {
            Some(s) => {
                let id = s.signal.id.clone();
                let another = another.clone();
                view! {
                    <section id="signal-result" aria-labelledby="result-heading">
                        <h2 id="result-heading" class="utrecht-heading-2" tabindex="-1">"Volg de meldroute"</h2>
                        <p class="utrecht-paragraph">
                            {format!("{} van {} is opgeslagen. Neem contact op in deze volgorde:", s.signal.kind.label(), datetime_nl(&s.signal.observed_at))}
                        </p>
                        <AdviceList steps=s.advice.clone()/>
                        <div class="zicht-actions">
                            <button id="signal-another" type="button" class="utrecht-button utrecht-button--primary-action"
                                on:click=another>"Nog een signaal vastleggen"</button>
                            <button id="signal-open-saved" type="button" class="utrecht-button utrecht-button--secondary-action"
                                on:click=move |_| ctx.go(View::Detail(id.clone()))>"Signaal bekijken"</button>
                        </div>
                    </section>
                }.into_any()
            }
            None if !ready.get() => view! {
                <p class="utrecht-paragraph">"Het formulier wordt geladen…"</p>
            }.into_any(),
            None => view! {
                <SignalFormBody fs=fs errors=errors failure=failure busy=busy query=query draft_status=draft_status
                    submit=submit on_discard=on_discard/>
            }.into_any(),
        }}
    }
}

#[component]
fn SignalFormBody(
    fs: FormSignals,
    errors: RwSignal<Vec<FieldError>>,
    failure: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
    query: RwSignal<String>,
    draft_status: RwSignal<String>,
    submit: Callback<()>,
    on_discard: Callback<leptos::ev::MouseEvent>,
) -> impl IntoView {
    let summary_items = Signal::derive(move || errors.with(|e| summary(e, signal_field_input)));
    let urgency_options: Vec<(String, String)> = Urgency::ALL
        .iter()
        .map(|u| (u.wire().to_string(), u.label().to_string()))
        .collect();
    let sector_options: Vec<(String, String)> = Sector::ALL
        .iter()
        .map(|s| (s.wire().to_string(), s.label().to_string()))
        .collect();

    view! {
        {move || failure.get().map(|m| view! { <ErrorAlert message=m id="signal-error"/> })}
        <ErrorSummary items=summary_items id="signal-summary"/>
        <form id="signal-form" class="utrecht-form" novalidate=true on:submit=|ev| ev.prevent_default()>
            <ControlContext fs=fs/>
            <Fieldset legend="Soort melding" error=field_error(errors, "kind") error_for="signal-kind">
                {RecordKind::ALL.iter().map(|k| {
                    let k = *k;
                    view! {
                        <RadioField id=format!("signal-kind-{}", k.wire()) name="signal-kind" value=k.wire() label=k.label()
                            checked=Signal::derive(move || fs.kind.get() == k)
                            on_select=Callback::new(move |()| fs.kind.set(k))/>
                    }
                }).collect_view()}
            </Fieldset>
            <Fieldset legend="Vermoedelijke vorm(en) van uitbuiting" error=field_error(errors, "forms") error_for="signal-forms">
                {Form::ALL.iter().map(|f| {
                    let f = *f;
                    view! {
                        <CheckboxField id=format!("signal-form-{}", f.wire()) label=f.label()
                            checked=Signal::derive(move || fs.forms.with(|l| l.contains(&f)))
                            on_toggle=Callback::new(move |on: bool| fs.forms.update(|l| toggle(l, &f, on)))/>
                    }
                }).collect_view()}
            </Fieldset>
            <SelectField id="signal-sector" label="Sector" value=fs.sector options=sector_options
                placeholder="Kies een sector" error=field_error(errors, "sector")/>
            <Checklist fs=fs query=query errors=errors/>
            <TimeAndSource fs=fs errors=errors/>
            <TextField id="signal-location" label="Locatie" value=fs.location error=field_error(errors, "location")
                description="Adres of omschrijving van de plek. Binnen een controle is de locatie van de controle ingevuld; u kunt die preciezer maken."/>
            <TextAreaField id="signal-observation" label="Waarneming" value=fs.observation error=field_error(errors, "observation")
                description="Wat heeft u gezien of gehoord? Feitelijk, zonder namen."/>
            <SelectField id="signal-urgency" label="Urgentie" value=fs.urgency options=urgency_options
                error=field_error(errors, "urgency")
                description="Acuut gevaar: bel eerst 112."/>
            <Persons fs=fs errors=errors/>
            <div class="zicht-actions">
                <button id="signal-save" type="button" class="utrecht-button utrecht-button--primary-action"
                    aria-keyshortcuts="Control+S" on:click=move |_| submit.run(())>
                    {move || if busy.get() { "Bezig met opslaan…" } else { "Signaal opslaan (Ctrl+S)" }}
                </button>
                <button id="signal-discard" type="button" class="utrecht-button utrecht-button--secondary-action"
                    on:click=move |ev| on_discard.run(ev)>"Concept wissen"</button>
            </div>
            <p id="draft-status" class="utrecht-paragraph zicht-draft-status">{move || draft_status.get()}</p>
        </form>
    }
}

/// Whether the signal is recorded inside a control (which then supplies time, place and
/// source).
#[component]
fn ControlContext(fs: FormSignals) -> impl IntoView {
    let ctx = use_ctx();
    move || {
        let active = ctx.active_control.get();
        let attached = fs.control_id.get();
        if active.is_none() && attached.is_none() {
            return None;
        }
        let text = match (&active, &attached) {
            (Some(c), Some(id)) if *id == c.id => format!(
                "U legt dit signaal vast binnen de lopende controle: {}, {}, gestart {}. Tijdstip en bron komen van de controle.",
                c.kind.label(),
                c.location.description,
                datetime_nl(&c.started_at)
            ),
            (_, Some(_)) => "Dit concept hoort bij een controle die niet meer loopt.".to_string(),
            (Some(c), None) => format!("Er loopt een controle ({}, {}). Dit signaal staat er los van.", c.kind.label(), c.location.description),
            (None, None) => String::new(),
        };
        let active_id = active.as_ref().map(|c| c.id.clone());
        let active_location = active
            .as_ref()
            .map(|c| c.location.description.clone())
            .unwrap_or_default();
        Some(view! {
            <div class="utrecht-alert utrecht-alert--info zicht-alert" id="signal-control-info">
                <div class="utrecht-alert__content"><div class="utrecht-alert__message">
                    <p class="utrecht-paragraph">{text}</p>
                    <CheckboxField id="signal-in-control" label="Vastleggen binnen de controle"
                        checked=Signal::derive(move || fs.control_id.with(|c| c.is_some()))
                        on_toggle=Callback::new(move |on: bool| {
                            if on {
                                if let Some(id) = active_id.clone() {
                                    fs.control_id.set(Some(id));
                                    if fs.location.with_untracked(|l| l.trim().is_empty()) {
                                        fs.location.set(active_location.clone());
                                    }
                                }
                            } else {
                                fs.control_id.set(None);
                            }
                        })/>
                </div></div>
            </div>
        })
    }
}

/// Observation time and source: only outside a control.
#[component]
fn TimeAndSource(fs: FormSignals, errors: RwSignal<Vec<FieldError>>) -> impl IntoView {
    let source_options: Vec<(String, String)> = Source::ALL
        .iter()
        .map(|s| (s.wire().to_string(), s.label().to_string()))
        .collect();
    move || {
        if fs.control_id.with(|c| c.is_some()) {
            return None;
        }
        let source_options = source_options.clone();
        Some(view! {
            <TextField id="signal-observed-at" label="Waargenomen op" kind="datetime-local" value=fs.observed_at
                error=field_error(errors, "observed_at")/>
            <SelectField id="signal-source" label="Bron" value=fs.source options=source_options
                placeholder="Kies een bron" error=field_error(errors, "source")/>
        })
    }
}

/// The indicator checklist, narrowed by forms, sector and the search box.
#[component]
fn Checklist(
    fs: FormSignals,
    query: RwSignal<String>,
    errors: RwSignal<Vec<FieldError>>,
) -> impl IntoView {
    let ctx = use_ctx();
    let groups = Memo::new(move |_| {
        let forms = fs.forms.get();
        let sector = Sector::from_wire(&fs.sector.get());
        let q = query.get();
        ctx.cards
            .with(|c| c.as_ref().map(|set| checklist(set, &forms, sector, &q)))
    });
    let ticked_count = move || {
        let forms = fs.forms.get();
        let sector = Sector::from_wire(&fs.sector.get());
        let ticked = fs.ticked.get();
        let n = ctx.cards.with(|c| {
            c.as_ref()
                .map(|set| effective_indicators(set, &forms, sector, &ticked).len())
        });
        n.unwrap_or(ticked.len())
    };
    let no_error = Signal::derive(|| None::<String>);
    let ind_error = field_error(errors, "indicators");

    view! {
        <section class="zicht-checklist" aria-labelledby="checklist-heading">
            <h2 id="checklist-heading" class="utrecht-heading-2">"Indicatoren"</h2>
            <p class="utrecht-paragraph">
                "Kies hierboven de vorm(en) en de sector: de lijst toont dan alleen de signaalkaarten die ertoe doen."
            </p>
            <FieldErrorMessage input_id="indicator-search" error=ind_error/>
            <TextField id="indicator-search" label="Zoek een indicator" kind="search" value=query error=no_error
                description="Filtert de lijst hieronder terwijl u typt."/>
            <p class="utrecht-paragraph" id="indicator-count" role="status" aria-live="polite">
                {move || format!("{} aangevinkt", count_text(ticked_count(), "indicator", "indicatoren"))}
            </p>
            {move || match groups.get() {
                None => view! { <p class="utrecht-paragraph">"De signaalkaarten worden geladen…"</p> }.into_any(),
                Some(g) if g.is_empty() => view! { <p class="utrecht-paragraph">"Geen indicatoren gevonden voor deze zoekterm."</p> }.into_any(),
                Some(g) => g.into_iter().map(|card| view! { <ChecklistCard card=card fs=fs/> }).collect_view().into_any(),
            }}
        </section>
    }
}

#[component]
fn ChecklistCard(card: CardGroup, fs: FormSignals) -> impl IntoView {
    view! {
        <Fieldset legend=format!("{} ({})", card.title, card.indicator_count()) id=format!("checklist-{}", card.card_id)>
            {card.categories.into_iter().map(|cat| view! {
                <Fieldset legend=cat.category.label()>
                    {cat.indicators.into_iter().map(|ind| {
                        let (id_check, id_toggle) = (ind.id.clone(), ind.id.clone());
                        view! {
                            <CheckboxField id=format!("ind-{}", ind.id) label=ind.text.clone()
                                checked=Signal::derive(move || fs.ticked.with(|t| t.contains(&id_check)))
                                on_toggle=Callback::new(move |on: bool| fs.ticked.update(|t| toggle(t, &id_toggle, on)))/>
                        }
                    }).collect_view()}
                </Fieldset>
            }).collect_view()}
        </Fieldset>
    }
}

/// The persons involved: pseudonymous rows (P1, P2, ...).
#[component]
fn Persons(fs: FormSignals, errors: RwSignal<Vec<FieldError>>) -> impl IntoView {
    let add = move |_| {
        let labels: Vec<String> = fs
            .persons
            .with_untracked(|ps| ps.iter().map(|p| p.label.get_untracked()).collect());
        let label = next_person_label(labels.iter().map(String::as_str));
        fs.persons
            .update(|ps| ps.push(PersonSignals::new(&PersonForm::new(label))));
        let n = fs.persons.with_untracked(|ps| ps.len());
        focus_id(&person_input_id(n - 1, "role"));
    };
    let persons_error = field_error(errors, "persons");

    view! {
        <Fieldset legend="Betrokken personen" error=persons_error error_for="person-add">
            <p class="utrecht-paragraph" id="persons-description">
                "Noteer nooit namen: alleen een label zoals P1, de vermoedelijke rol en een leeftijdsindicatie."
            </p>
            {move || fs.persons.get().into_iter().enumerate().map(|(i, p)| view! {
                <PersonRow index=i p=p fs=fs errors=errors/>
            }).collect_view()}
            <p class="utrecht-paragraph">
                <button id="person-add" type="button" class="utrecht-button utrecht-button--secondary-action"
                    aria-describedby=move || if persons_error.with(|e| e.is_some()) {
                        format!("persons-description {}", error_id("person-add"))
                    } else { "persons-description".to_string() }
                    on:click=add>"Persoon toevoegen"</button>
            </p>
        </Fieldset>
    }
}

#[component]
fn PersonRow(
    index: usize,
    p: PersonSignals,
    fs: FormSignals,
    errors: RwSignal<Vec<FieldError>>,
) -> impl IntoView {
    let role_options: Vec<(String, String)> = PersonRole::ALL
        .iter()
        .map(|r| (r.wire().to_string(), r.label().to_string()))
        .collect();
    let age_options: Vec<(String, String)> = AgeBand::ALL
        .iter()
        .map(|a| (a.wire().to_string(), a.label().to_string()))
        .collect();
    let remove = move |_| {
        fs.persons.update(|ps| {
            if index < ps.len() {
                ps.remove(index);
            }
        });
        focus_id("person-add");
    };
    let f = |part: &str| format!("persons.{index}.{part}");
    view! {
        <fieldset class="utrecht-form-fieldset utrecht-form-fieldset--html-fieldset zicht-person" id=format!("person-{}", index + 1)>
            <legend class="utrecht-form-fieldset__legend utrecht-form-fieldset__legend--html-legend">
                {move || format!("Persoon {}: {}", index + 1, p.label.get())}
            </legend>
            <TextField id=person_input_id(index, "label") label="Label" value=p.label error=field_error(errors, f("label"))/>
            <SelectField id=person_input_id(index, "role") label="Rol" value=p.role options=role_options error=field_error(errors, f("role"))/>
            <SelectField id=person_input_id(index, "age") label="Leeftijd" value=p.age options=age_options error=field_error(errors, f("age_band"))/>
            <CheckboxField id=person_input_id(index, "minor") label="Vermoedelijk minderjarig"
                checked=Signal::derive(move || p.minor.get())
                on_toggle=Callback::new(move |on: bool| p.minor.set(on))/>
            <TextField id=person_input_id(index, "nationality") label="Nationaliteit (optioneel)" value=p.nationality
                error=field_error(errors, f("nationality"))/>
            <p class="utrecht-paragraph">
                <button type="button" id=person_input_id(index, "remove") class="utrecht-button utrecht-button--subtle"
                    on:click=remove>{move || {
                        let label = p.label.get();
                        if label.trim().is_empty() { format!("Verwijder persoon {}", index + 1) } else { format!("Verwijder {label}") }
                    }}</button>
            </p>
        </fieldset>
    }
}
