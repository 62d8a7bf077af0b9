//! Validation of user input. Every problem is a field-level error with a Dutch message; the
//! messages never echo the input (it may be personal).

use crate::error::{CoreError, Result};
use chrono::{Duration, NaiveDateTime};
use std::collections::HashSet;
use zicht_model::*;

/// How far in the future an observation time may be (clock skew between devices).
const FUTURE_TOLERANCE_MINUTES: i64 = 5;
const MAX_LABEL_CHARS: usize = 20;
const MAX_NATIONALITY_CHARS: usize = 60;

#[derive(Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }
    fn finish(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(CoreError::Validation(self.0))
        }
    }
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// The facts a signal is validated against.
pub struct SignalContext<'a> {
    pub now: NaiveDateTime,
    pub cards: &'a CardSet,
    /// The control the input refers to, if it named one that exists.
    pub control: Option<&'a Control>,
    pub profile: &'a Profile,
}

/// Checks a signal input and builds the signal (id, times, status and retention still to be set
/// by the caller). Inside a control, missing location, time and source come from the control.
pub fn build_signal(input: &SignalInput, ctx: &SignalContext) -> Result<Signal> {
    let mut e = Errors::default();

    if input.control_id.is_some() {
        match ctx.control {
            None => e.add("control_id", "Deze controle bestaat niet."),
            Some(c) if c.ended_at.is_some() => {
                e.add("control_id", "Deze controle is al beëindigd.")
            }
            Some(_) => {}
        }
    }
    let control = ctx
        .control
        .filter(|c| c.ended_at.is_none() && input.control_id.as_deref() == Some(c.id.as_str()));

    let observed_at = input.observed_at.or(control.map(|c| c.started_at));
    match observed_at {
        None => e.add("observed_at", "Vul in wanneer het signaal is waargenomen."),
        Some(t) if t > ctx.now + Duration::minutes(FUTURE_TOLERANCE_MINUTES) => e.add(
            "observed_at",
            "Het moment van waarneming ligt in de toekomst.",
        ),
        Some(t) if t.date() < chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default() => e
            .add(
                "observed_at",
                "Het moment van waarneming ligt te ver in het verleden.",
            ),
        Some(_) => {}
    }

    let source = input.source.or(control.map(|c| c.kind.source()));
    if source.is_none() {
        e.add("source", "Kies de bron van het signaal.");
    }
    if input.sector.is_none() {
        e.add("sector", "Kies een sector (of 'Overig / onbekend').");
    }

    let mut location = input.location.clone();
    location.description = location.description.trim().to_string();
    if location.description.is_empty() {
        if let Some(c) = control {
            location = c.location.clone();
        }
    }
    if location.description.is_empty() {
        e.add("location", "Vul de locatie in (adres of omschrijving).");
    } else if chars(&location.description) > MAX_SHORT_CHARS {
        e.add(
            "location",
            format!("De locatie is te lang (maximaal {MAX_SHORT_CHARS} tekens)."),
        );
    }
    if location.lat.is_some_and(|v| !(-90.0..=90.0).contains(&v))
        || location.lon.is_some_and(|v| !(-180.0..=180.0).contains(&v))
    {
        e.add("location", "De coördinaten zijn ongeldig.");
    }

    let mut forms: Vec<Form> = Vec::new();
    for f in &input.forms {
        if !forms.contains(f) {
            forms.push(*f);
        }
    }
    if forms.is_empty() {
        e.add(
            "forms",
            "Kies minstens één vorm van uitbuiting, of 'Onbekend'.",
        );
    } else if forms.len() > 1 && forms.contains(&Form::Onbekend) {
        e.add(
            "forms",
            "'Onbekend' kan niet samen met een andere vorm gekozen worden.",
        );
    }

    let mut indicators: Vec<String> = Vec::new();
    let mut unknown = 0;
    for id in &input.indicators {
        if ctx.cards.indicator(id).is_none() {
            unknown += 1;
        } else if !indicators.contains(id) {
            indicators.push(id.clone());
        }
    }
    if unknown > 0 {
        e.add("indicators", format!("{unknown} aangevinkte indicator(en) bestaan niet in de actieve signaalkaarten (versie {}).", ctx.cards.version));
    }

    let observation = input.observation.trim().to_string();
    if observation.is_empty() {
        e.add("observation", "Beschrijf wat u heeft waargenomen.");
    } else if chars(&observation) > MAX_OBSERVATION_CHARS {
        e.add(
            "observation",
            format!("De waarneming is te lang (maximaal {MAX_OBSERVATION_CHARS} tekens)."),
        );
    }

    if input.persons.len() > MAX_PERSONS {
        e.add(
            "persons",
            format!("Maximaal {MAX_PERSONS} personen per signaal."),
        );
    }
    let mut labels = HashSet::new();
    let mut persons = Vec::with_capacity(input.persons.len());
    for (i, p) in input.persons.iter().enumerate() {
        let label = p.label.trim().to_string();
        if label.is_empty() {
            e.add(
                format!("persons.{i}.label"),
                "Geef de persoon een label, bijvoorbeeld P1 (geen naam).",
            );
        } else if chars(&label) > MAX_LABEL_CHARS {
            e.add(
                format!("persons.{i}.label"),
                format!(
                    "Het label is te lang (maximaal {MAX_LABEL_CHARS} tekens); gebruik geen naam."
                ),
            );
        } else if !labels.insert(label.to_lowercase()) {
            e.add(
                format!("persons.{i}.label"),
                "Dit label is al gebruikt voor een andere persoon.",
            );
        }
        if p.minor && p.age_band.is_adult() {
            e.add(
                format!("persons.{i}.age_band"),
                "Minderjarig aangevinkt, maar de leeftijdsgroep is 18 jaar of ouder.",
            );
        }
        let nationality = p
            .nationality
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        if nationality
            .as_deref()
            .is_some_and(|n| chars(n) > MAX_NATIONALITY_CHARS)
        {
            e.add(
                format!("persons.{i}.nationality"),
                "De nationaliteit is te lang.",
            );
        }
        persons.push(Person {
            label,
            role: p.role,
            age_band: p.age_band,
            minor: p.minor || p.age_band.is_minor(),
            nationality,
        });
    }

    e.finish()?;
    let (Some(observed_at), Some(source), Some(sector)) = (observed_at, source, input.sector)
    else {
        return Err(CoreError::field("observed_at", "Onvolledig signaal."));
    };
    Ok(Signal {
        id: String::new(),
        kind: input.kind,
        observed_at,
        recorded_at: ctx.now,
        recorded_by: ctx.profile.name.clone(),
        municipality: ctx.profile.municipality.clone(),
        source,
        sector,
        location,
        forms,
        card_set_version: ctx.cards.version,
        indicators,
        observation,
        persons,
        urgency: input.urgency,
        status: SignalStatus::Nieuw,
        case_id: None,
        control_id: control.map(|c| c.id.clone()),
        retention_until: observed_at.date(),
        received_from: None,
    })
}

/// Checks first-run setup input.
pub fn check_setup(input: &SetupInput, municipalities: &[String]) -> Result<()> {
    let mut e = Errors::default();
    let name = input.name.trim();
    if name.is_empty() {
        e.add("name", "Vul uw naam in.");
    } else if chars(name) > MAX_SHORT_CHARS {
        e.add("name", "De naam is te lang.");
    }
    if !municipalities.iter().any(|m| m == &input.municipality) {
        e.add("municipality", "Kies uw gemeente uit de lijst.");
    }
    check_passphrase(
        &mut e,
        &input.passphrase,
        &input.passphrase_repeat,
        &[name, &input.municipality],
    );
    e.finish()
}

/// Checks a new passphrase at a change ([`PassphraseChange`]): the same rules as at setup, with
/// the user's name and municipality as words an attacker would try first. The current
/// passphrase is checked by unwrapping the data key, not here.
pub fn check_passphrase_change(input: &PassphraseChange, profile: &Profile) -> Result<()> {
    let mut e = Errors::default();
    if input.current.is_empty() {
        e.add("current", "Vul uw huidige wachtwoord in.");
    }
    check_passphrase(
        &mut e,
        &input.passphrase,
        &input.passphrase_repeat,
        &[&profile.name, &profile.municipality],
    );
    if !input.current.is_empty() && input.passphrase == input.current {
        e.add(
            "passphrase",
            "Het nieuwe wachtwoord is gelijk aan het huidige. Kies een ander.",
        );
    }
    e.finish()
}

/// Lowest zxcvbn score (0–4) accepted: 3 means "safely unguessable" (about 10^10 guesses);
/// 0–2 are refused.
const MIN_PASSPHRASE_SCORE: u8 = 3;

/// A passphrase and its repeat: at least [`MIN_PASSPHRASE_CHARS`] characters, not only spaces,
/// and hard to guess by the zxcvbn estimate (dictionaries, keyboard patterns, repeats, dates,
/// and the `user_words`: name and municipality).
fn check_passphrase(e: &mut Errors, p: &str, repeat: &str, user_words: &[&str]) {
    if chars(p) < MIN_PASSPHRASE_CHARS {
        e.add("passphrase", format!("Het wachtwoord moet minstens {MIN_PASSPHRASE_CHARS} tekens lang zijn. Een zin van een paar woorden werkt goed."));
    } else if p.trim().is_empty() {
        e.add(
            "passphrase",
            "Het wachtwoord mag niet alleen uit spaties bestaan.",
        );
    } else if let Some(why) = too_easy_to_guess(p, user_words) {
        e.add(
            "passphrase",
            format!("Dit wachtwoord is te makkelijk te raden: {why}. Gebruik bijvoorbeeld een korte zin van vier of meer woorden."),
        );
    }
    if p != repeat {
        e.add(
            "passphrase_repeat",
            "De twee wachtwoorden zijn niet gelijk.",
        );
    }
}

/// Why zxcvbn scores `p` below [`MIN_PASSPHRASE_SCORE`] (in Dutch), or `None` if it is strong
/// enough.
fn too_easy_to_guess(p: &str, user_words: &[&str]) -> Option<&'static str> {
    use zxcvbn::feedback::Warning as W;
    // The whole name and each of its words, lower case (zxcvbn matches them as dictionary words).
    let mut inputs: Vec<String> = vec!["zicht".into()];
    for w in user_words {
        inputs.push(w.to_lowercase());
        inputs.extend(
            w.split(|c: char| !c.is_alphanumeric())
                .filter(|x| chars(x) >= 3)
                .map(str::to_lowercase),
        );
    }
    let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let estimate = zxcvbn::zxcvbn(p, &inputs);
    if u8::from(estimate.score()) >= MIN_PASSPHRASE_SCORE {
        return None;
    }
    Some(match estimate.feedback().and_then(|f| f.warning()) {
        Some(W::StraightRowsOfKeysAreEasyToGuess | W::ShortKeyboardPatternsAreEasyToGuess) => {
            "het bevat een patroon van toetsen naast elkaar"
        }
        Some(
            W::RepeatsLikeAaaAreEasyToGuess | W::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess,
        ) => "het bevat herhalingen",
        Some(
            W::ThisIsATop10Password
            | W::ThisIsATop100Password
            | W::ThisIsACommonPassword
            | W::ThisIsSimilarToACommonlyUsedPassword,
        ) => "het is (of lijkt op) een veelgebruikt wachtwoord",
        Some(W::SequencesLikeAbcAreEasyToGuess) => "het bevat een reeks zoals abc of 123",
        Some(W::RecentYearsAreEasyToGuess | W::DatesAreOftenEasyToGuess) => {
            "het bevat een jaartal of datum"
        }
        Some(W::AWordByItselfIsEasyToGuess) => "één los woord is snel geraden",
        Some(
            W::NamesAndSurnamesByThemselvesAreEasyToGuess | W::CommonNamesAndSurnamesAreEasyToGuess,
        ) => "namen zijn snel geraden",
        // No specific warning (also when it is made of your name or municipality).
        _ => "het bestaat uit bekende woorden, namen of patronen",
    })
}

/// Checks a control.
pub fn check_control(input: &ControlInput, now: NaiveDateTime) -> Result<()> {
    let mut e = Errors::default();
    let d = input.location.description.trim();
    if d.is_empty() {
        e.add("location", "Vul de locatie van de controle in.");
    } else if chars(d) > MAX_SHORT_CHARS {
        e.add("location", "De locatie is te lang.");
    }
    if input
        .started_at
        .is_some_and(|t| t > now + Duration::minutes(FUTURE_TOLERANCE_MINUTES))
    {
        e.add(
            "started_at",
            "Het begin van de controle ligt in de toekomst.",
        );
    }
    e.finish()
}

/// Checks settings.
pub fn check_settings(s: &Settings) -> Result<()> {
    let mut e = Errors::default();
    if !(1..=240).contains(&s.idle_lock_minutes) {
        e.add(
            "idle_lock_minutes",
            "Kies een vergrendeltijd tussen 1 en 240 minuten.",
        );
    }
    if !(MIN_SMALL_CELL_THRESHOLD..=20).contains(&s.small_cell_threshold) {
        e.add(
            "small_cell_threshold",
            format!(
                "Kies een drempel voor kleine aantallen tussen {MIN_SMALL_CELL_THRESHOLD} en 20."
            ),
        );
    }
    let r = &s.retention;
    for (field, months) in [
        ("retention.adviesvraag_months", r.adviesvraag_months),
        ("retention.signaal_months", r.signaal_months),
        ("retention.closed_case_months", r.closed_case_months),
    ] {
        if !RETENTION_MONTHS.contains(&months) {
            e.add(
                field,
                format!(
                    "Kies een bewaartermijn tussen {} en {} maanden.",
                    RETENTION_MONTHS.start(),
                    RETENTION_MONTHS.end()
                ),
            );
        }
    }
    e.finish()
}

/// Checks free text of a case (note, motivation, explanation): required, at most
/// [`MAX_NOTE_CHARS`].
pub fn check_text(field: &str, text: &str, what: &str) -> Result<()> {
    let mut e = Errors::default();
    if text.trim().is_empty() {
        e.add(field, format!("Vul {what} in."));
    } else if chars(text) > MAX_NOTE_CHARS {
        e.add(field, format!("Maximaal {MAX_NOTE_CHARS} tekens."));
    }
    e.finish()
}

/// Checks a case title: required, at most [`MAX_SHORT_CHARS`].
pub fn check_title(title: &str) -> Result<()> {
    let mut e = Errors::default();
    if title.trim().is_empty() {
        e.add("title", "Geef de casus een korte werktitel (zonder namen).");
    } else if chars(title) > MAX_SHORT_CHARS {
        e.add("title", format!("Maximaal {MAX_SHORT_CHARS} tekens."));
    }
    e.finish()
}

/// Holds a received (verified) bundle payload to the model's limits, so a participant's device
/// cannot push more into this store than the app itself would accept.
pub fn check_payload(p: &BundlePayload, now: chrono::NaiveDateTime) -> Result<()> {
    // Times as for a typed signal: not before 2000, not after the moment it was sent (with the
    // same tolerance), and the sending not after now (a day's tolerance for another device's
    // clock). A post-dated observation would otherwise get a deadline at the end of time.
    let earliest = chrono::NaiveDate::from_ymd_opt(2000, 1, 1)
        .unwrap_or_default()
        .and_time(chrono::NaiveTime::MIN);
    let sent_ok = p.sent_at >= earliest && p.sent_at <= now + Duration::days(1);
    let time_ok = |t: chrono::NaiveDateTime| {
        t >= earliest && t <= p.sent_at + Duration::minutes(FUTURE_TOLERANCE_MINUTES)
    };
    let short = |s: &str| chars(s) <= MAX_SHORT_CHARS;
    let note = |s: &str| chars(s) <= MAX_NOTE_CHARS;
    let signal_ok = |s: &Signal| {
        time_ok(s.observed_at)
            && time_ok(s.recorded_at)
            && chars(&s.observation) <= MAX_OBSERVATION_CHARS
            && s.persons.len() <= MAX_PERSONS
            && s.indicators.len() <= 1_000
            && s.forms.len() <= Form::ALL.len()
            && s.indicators.iter().all(|i| short(i))
            && [
                &s.id,
                &s.recorded_by,
                &s.municipality,
                &s.location.description,
            ]
            .iter()
            .all(|x| short(x))
            && s.persons.iter().all(|p| {
                chars(&p.label) <= MAX_LABEL_CHARS
                    && p.nationality
                        .as_deref()
                        .is_none_or(|n| chars(n) <= MAX_NATIONALITY_CHARS)
            })
            && s.case_id.as_deref().is_none_or(short)
            && s.control_id.as_deref().is_none_or(short)
            && s.received_from.as_deref().is_none_or(short)
    };
    // A decision travels alone: with signals or a case it would pass the sender rule as a
    // decision (the regional table's) while carrying what only others may send.
    let alone = p.decision.is_none() || (p.signals.is_empty() && p.case.is_none());
    let ok = sent_ok
        && alone
        && p.signals.len() <= 1_000
        && p.signals.iter().all(signal_ok)
        && short(&p.sender.name)
        && short(&p.sender.municipality)
        && p.legal_basis.as_ref().is_none_or(|b| {
            note(&b.explanation) && short(&b.recorded_by) && b.fields.len() <= ShareField::ALL.len()
        })
        && p.case.as_ref().is_none_or(|c| {
            short(&c.case_id)
                && short(&c.title)
                && short(&c.municipality)
                && c.notes.len() <= 1_000
                && c.notes.iter().all(|n| note(&n.text) && short(&n.author))
                && c.weging
                    .as_ref()
                    .is_none_or(|w| note(&w.motivation) && short(&w.author))
        })
        && p.decision
            .as_ref()
            .is_none_or(|d| short(&d.case_id) && note(&d.explanation) && short(&d.decided_by))
        && p.monitor.as_ref().is_none_or(|m| {
            // Figures travel alone and are counts only: nothing personal may ride along.
            p.signals.is_empty()
                && p.case.is_none()
                && p.decision.is_none()
                && p.legal_basis.is_none()
                && monitor_share_ok(m, p.sent_at)
        });
    if ok {
        Ok(())
    } else {
        Err(CoreError::BundlePayloadInvalid("over the limits"))
    }
}

/// A month as `YYYY-MM`, from 2000 on.
fn month_ok(m: &str) -> bool {
    m.len() == 7
        && chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
            .is_ok_and(|d| chrono::Datelike::year(&d) >= 2000)
}

/// A municipality's figures: at most the 36 months up to the month it was sent, and every
/// cell a count of a known record kind with a breakdown that kind has and a category that
/// breakdown has (the municipality only its own; a meldroute contact only as an id): no text
/// of the sender's choosing reaches the table's screen.
fn monitor_share_ok(m: &zicht_model::MonitorShare, sent_at: chrono::NaiveDateTime) -> bool {
    use crate::facts::{category_index, Dim};
    use chrono::Datelike;
    let sent_month = crate::ledger::month_of(sent_at.date());
    let months = |from: &str, to: &str| -> Option<i32> {
        let d = |m: &str| chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok();
        let (a, b) = (d(from)?, d(to)?);
        Some((b.year() - a.year()) * 12 + b.month() as i32 - a.month() as i32 + 1)
    };
    let contact_id = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    };
    let cell_ok = |c: &zicht_model::MonitorCell| {
        let signals = matches!(c.record.as_str(), "adviesvraag" | "signaal");
        let dim = Dim::from_id(&c.dim);
        let fits = match (c.record.as_str(), dim) {
            (_, None) => c.dim.is_empty() && c.category.is_empty() && c.record != "controle",
            ("controle", Some(Dim::ControlType)) => true,
            ("casus", Some(d)) => Dim::CASE.contains(&d),
            (_, Some(d)) if signals => Dim::SIGNAL.contains(&d) || d == Dim::ControlSignals,
            _ => false,
        };
        let category_ok = match dim {
            None => true,
            Some(Dim::Municipality) => c.category.eq_ignore_ascii_case(&m.municipality),
            Some(Dim::StepTaken) => contact_id(&c.category),
            Some(d) => category_index(d, &c.category).is_some(),
        };
        month_ok(&c.month)
            && m.from <= c.month
            && c.month <= m.to
            && matches!(
                c.record.as_str(),
                "adviesvraag" | "signaal" | "casus" | "controle"
            )
            && fits
            && category_ok
            && c.count <= 10_000_000
    };
    chars(&m.municipality) <= MAX_SHORT_CHARS
        && month_ok(&m.from)
        && month_ok(&m.to)
        && m.from <= m.to
        && m.to <= sent_month
        && months(&m.from, &m.to).is_some_and(|n| n <= 36)
        && m.cells.len() <= 200_000
        && m.cells.iter().all(cell_ok)
}
