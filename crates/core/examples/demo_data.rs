//! Fills a new Zicht store with invented but realistic records, for demos, the monitor and
//! load tests. Used by `cargo xtask demo-data`.
//!
//! ```text
//! cargo run --release -p zicht-core --example demo_data -- \
//!     --out <dir> --signals <n> [--seed <s>] [--municipality <gemeente>]
//! ```
//!
//! - Creates the store in `<dir>` with the app's own key derivation ([`Zicht::open`]) and
//!   refuses a folder that already holds a store (or other files). The profile is an attention
//!   officer (aandachtsfunctionaris) of `<gemeente>` (default Zutphen; one of
//!   `assets/regions.json`).
//! - The passphrase comes from `ZICHT_PASSPHRASE`; when that is not set, a passphrase of
//!   random Dutch words is made and printed (it must pass the same strength check as in the
//!   app).
//! - `<n>` records (about one in four an adviesvraag) observed over the last three years up to
//!   today (from the clock): a spread of forms (some several), sectors, sources, urgency and
//!   0–3 persons (age bands, some minors, nationalities as typed). Some are recorded inside field
//!   controls (with a control type and partners); some signals are grouped into cases with
//!   notes, a weighing, meldroute steps (contacts from the active meldroute, with a legal basis
//!   for contacts outside the municipality) and status changes (closing, reopening). Nothing is
//!   forwarded to a regional table (that needs a region and a second device).
//! - Every operation gets a `now` on a simulated clock that runs through the three years, so
//!   recording delays, case durations and retention come out as in real use. Observation times
//!   stay inside what the core accepts: not after the moment of recording (plus its five
//!   minutes of tolerance) and not before 2000-01-01 (`validate::build_signal`); three years
//!   back is well inside that.
//! - Finally the retention purge runs as of today, so records past their term (adviesvragen
//!   after 12 months, signals outside a case after 24, controls 24 months after their end) go,
//!   and what they counted moves into the monitor's ledger.
//!
//! The same seed (and the same day) gives the same records: a SplitMix64 generator, no
//! system randomness (only the generated passphrase and the record ids, which are not part of
//! any figure, are random).
//!
//! Most records are stored with `record_signals_batch` (one sync per simulated day); those in
//! a control or a case go one by one through `record_signal`, as the app does.

use chrono::{Duration, Local, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use std::path::PathBuf;
use std::time::Instant;
use zicht_core::{CoreError, Now, Zicht};
use zicht_model::*;

/// SplitMix64: small, fast and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }

    fn weighted<T: Copy>(&mut self, xs: &[(T, u32)]) -> T {
        let total: u64 = xs.iter().map(|&(_, w)| u64::from(w)).sum();
        let mut r = self.below(total);
        for &(x, w) in xs {
            if r < u64::from(w) {
                return x;
            }
            r -= u64::from(w);
        }
        xs[xs.len() - 1].0
    }
}

struct Args {
    out: PathBuf,
    signals: usize,
    seed: u64,
    municipality: String,
}

fn parse_args() -> Result<Args, String> {
    let mut out = None;
    let mut signals = None;
    let mut seed = 1;
    let mut municipality = "Zutphen".to_string();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or(format!("{a} heeft een waarde nodig"));
        match a.as_str() {
            "--out" => out = Some(PathBuf::from(value()?)),
            "--signals" => {
                let v = value()?;
                signals = Some(
                    v.parse::<usize>()
                        .map_err(|_| format!("--signals: '{v}' is geen aantal"))?,
                );
            }
            "--seed" => {
                let v = value()?;
                seed = v
                    .parse::<u64>()
                    .map_err(|_| format!("--seed: '{v}' is geen getal"))?;
            }
            "--municipality" => municipality = value()?,
            other => return Err(format!("onbekend argument '{other}'")),
        }
    }
    Ok(Args {
        out: out.ok_or("geef de map voor de opslag op met --out")?,
        signals: signals.ok_or("geef het aantal registraties op met --signals")?,
        seed,
        municipality,
    })
}

/// A core error as a Dutch line, with the field messages of a validation error.
fn dutch(e: &CoreError) -> String {
    let mut s = e.message();
    for f in e.fields() {
        s.push_str(&format!("\n  {}: {}", f.field, f.message));
    }
    s
}

fn main() {
    if let Err(e) = run() {
        eprintln!("demo_data: {e}");
        std::process::exit(1);
    }
}

/// Words for a generated passphrase (Dutch, lower case, no names).
const WORDS: &[&str] = &[
    "appel", "beker", "bries", "brug", "dijk", "dorp", "duin", "eend", "egel", "fiets", "gans",
    "geit", "gras", "haven", "heide", "hek", "hooi", "kaars", "kade", "kers", "klok", "knoop",
    "koek", "kompas", "kool", "kraan", "kreek", "lamp", "lepel", "linde", "molen", "mossel",
    "muts", "nest", "olifant", "paraplu", "peer", "pen", "plein", "polder", "pomp", "raam",
    "regen", "riet", "schaap", "schelp", "sloot", "sneeuw", "spiegel", "stoep", "storm", "tafel",
    "tegel", "tulp", "uil", "vaas", "veer", "vijver", "vlag", "vlinder", "wiel", "wolk", "zadel",
    "zeef", "zolder", "zwaan", "blauw", "groen", "geel", "rood", "paars", "oranje", "zacht",
    "snel", "stil", "warm", "koud", "vrolijk", "oud", "nieuw", "rond",
];

/// Five different words chosen with the system's random generator.
fn generate_passphrase() -> Result<String, String> {
    use ring::rand::{SecureRandom, SystemRandom};
    let rng = SystemRandom::new();
    let mut words: Vec<&str> = Vec::new();
    while words.len() < 5 {
        let mut b = [0u8; 4];
        rng.fill(&mut b)
            .map_err(|_| "geen willekeurige getallen beschikbaar".to_string())?;
        let w = WORDS[u32::from_le_bytes(b) as usize % WORDS.len()];
        if !words.contains(&w) {
            words.push(w);
        }
    }
    Ok(words.join(" "))
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let started = Instant::now();
    let municipalities = zicht_core::assets::municipalities().map_err(|e| dutch(&e))?;
    if !municipalities.contains(&args.municipality) {
        return Err(format!(
            "gemeente '{}' staat niet in assets/regions.json (bijvoorbeeld: {})",
            args.municipality,
            municipalities[..municipalities.len().min(5)].join(", ")
        ));
    }
    check_folder(&args.out)?;

    // Today from the clock; everything else follows from the seed.
    let real_now: Now = Local::now().fixed_offset();
    let offset = *real_now.offset();
    let at =
        |t: NaiveDateTime| -> Now { offset.from_local_datetime(&t).single().unwrap_or(real_now) };
    let today = real_now.date_naive();
    let start = today
        .checked_sub_months(chrono::Months::new(36))
        .ok_or("datum buiten bereik")?;

    let mut z = Zicht::open(&args.out).map_err(|e| dutch(&e))?;
    if !matches!(z.status().map_err(|e| dutch(&e))?, AppStatus::NeedsSetup) {
        return Err(format!(
            "{} bevat al een Zicht-opslag; kies een lege of nieuwe map",
            args.out.display()
        ));
    }
    let (passphrase, generated) = match std::env::var("ZICHT_PASSPHRASE") {
        Ok(p) if !p.is_empty() => (p, false),
        _ => (generate_passphrase()?, true),
    };
    let name = "Demo Aandachtsfunctionaris".to_string();
    let setup = |p: &str| SetupInput {
        name: name.clone(),
        role: Role::Aandachtsfunctionaris,
        municipality: args.municipality.clone(),
        passphrase: p.into(),
        passphrase_repeat: p.into(),
    };
    // A generated passphrase that the strength check refuses (unlikely) is drawn again.
    let mut passphrase = passphrase;
    if generated {
        for _ in 0..20 {
            if zicht_core::validate::check_setup(&setup(&passphrase), &municipalities).is_ok() {
                break;
            }
            passphrase = generate_passphrase()?;
        }
    }
    let setup_at = at(start.and_time(NaiveTime::from_hms_opt(8, 30, 0).unwrap_or_default()));
    z.setup(setup(&passphrase), setup_at)
        .map_err(|e| format!("inrichten mislukt: {}", dutch(&e)))?;
    let setup_secs = started.elapsed().as_secs_f64();

    let cards = z.card_set().map_err(|e| dutch(&e))?.clone();
    let route = z.route().map_err(|e| dutch(&e))?.clone();
    let mut rng = Rng(args.seed);
    let plan = make_plan(
        &mut rng,
        args.signals,
        start,
        real_now.naive_local(),
        &cards,
        &route,
    );
    let counts = execute(&mut z, plan, &at, real_now)?;
    let fill_secs = started.elapsed().as_secs_f64() - setup_secs;
    let purge = z
        .purge_expired(real_now)
        .map_err(|e| format!("bewaartermijnen toepassen mislukt: {}", dutch(&e)))?;
    z.close().map_err(|e| dutch(&e))?;

    println!("Demo-opslag: {}", args.out.display());
    println!(
        "Profiel: {name}, aandachtsfunctionaris van {}; seed {}",
        args.municipality, args.seed
    );
    if generated {
        println!("Wachtwoord: {passphrase}");
    }
    println!(
        "Vastgelegd van {} t/m {}: {} signalen, {} adviesvragen ({} in {} controles), {} casussen ({} afgesloten, {} meldroutestappen)",
        start.format("%d-%m-%Y"),
        today.format("%d-%m-%Y"),
        counts.signals,
        counts.adviesvragen,
        counts.in_controls,
        counts.controls,
        counts.cases,
        counts.closed_cases,
        counts.steps
    );
    println!(
        "Verwijderd na de bewaartermijn (geteld in het grootboek van de monitor): {} signalen, {} adviesvragen, {} casussen, {} controles",
        purge.signals, purge.adviesvragen, purge.cases, purge.controls
    );
    println!(
        "Tijd: inrichten {setup_secs:.1} s, vullen {fill_secs:.1} s, totaal {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Refuses a folder that holds a store or anything else; a missing or empty folder is fine.
fn check_folder(dir: &std::path::Path) -> Result<(), String> {
    match std::fs::read_dir(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("{}: {e}", dir.display())),
        Ok(mut entries) => {
            if entries.next().is_none() {
                Ok(())
            } else if dir.join("db").exists() || dir.join("conf").exists() {
                Err(format!(
                    "{} bevat al een Zicht-opslag; kies een lege of nieuwe map",
                    dir.display()
                ))
            } else {
                Err(format!(
                    "{} is niet leeg; kies een lege of nieuwe map",
                    dir.display()
                ))
            }
        }
    }
}

// ---- the plan ---------------------------------------------------------------------------------

struct PlannedSignal {
    input: Option<SignalInput>,
    /// When it is recorded (the `now` of its save).
    recorded: NaiveDateTime,
    /// Stored one by one (in a case or a control), so its id is known.
    single: bool,
}

struct PlannedControl {
    input: ControlInput,
    start: NaiveDateTime,
    end: NaiveDateTime,
    /// Indices into the signals, in recording order.
    signals: Vec<usize>,
}

enum CaseAction {
    Note(String),
    Weging(Suspicion, String),
    Step(StepInput),
    Status(CaseStatus),
}

struct PlannedCase {
    title: String,
    acute: bool,
    signals: Vec<usize>,
    created: NaiveDateTime,
    actions: Vec<(NaiveDateTime, CaseAction)>,
}

struct Plan {
    signals: Vec<PlannedSignal>,
    controls: Vec<PlannedControl>,
    cases: Vec<PlannedCase>,
}

fn time(d: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
    d.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default())
}

/// A day in `[start, end]`, a little busier towards the end (more awareness, more signals) and
/// in summer (seasonal work).
fn day(rng: &mut Rng, start: NaiveDate, end: NaiveDate) -> NaiveDate {
    let span = (end - start).num_days().max(0);
    loop {
        let d = start + Duration::days(rng.range(0, span));
        let growth = 0.6 + 0.4 * (d - start).num_days() as f64 / span.max(1) as f64;
        let doy = chrono::Datelike::ordinal(&d) as f64;
        let season = 1.0 + 0.2 * ((doy - 100.0) / 365.0 * std::f64::consts::TAU).sin();
        if rng.unit() * 1.2 < growth * season {
            return d;
        }
    }
}

const SECTORS: &[(Sector, u32)] = &[
    (Sector::Vakantiepark, 10),
    (Sector::Kamerverhuur, 14),
    (Sector::Uitzendbureau, 9),
    (Sector::Horeca, 10),
    (Sector::Agrarisch, 9),
    (Sector::Distributie, 7),
    (Sector::Bouw, 6),
    (Sector::Schoonmaak, 5),
    (Sector::NagelstudioCarwash, 6),
    (Sector::Sekswerk, 9),
    (Sector::Woningcorporatie, 3),
    (Sector::Onderwijs, 4),
    (Sector::Azc, 3),
    (Sector::Overig, 5),
];

const SOURCES: &[(Source, u32)] = &[
    (Source::IntegraleControle, 6),
    (Source::BranchegerichteControle, 4),
    (Source::Huisbezoek, 8),
    (Source::BrpAdrescontrole, 8),
    (Source::Balie, 8),
    (Source::Consulent, 10),
    (Source::Collega, 10),
    (Source::MeldMisdaadAnoniem, 4),
    (Source::MeldpuntOndermijning, 4),
    (Source::Partner, 12),
    (Source::Burger, 8),
    (Source::Overig, 3),
];

/// Who asks for advice.
const ADVICE_SOURCES: &[(Source, u32)] = &[
    (Source::Balie, 3),
    (Source::Consulent, 5),
    (Source::Collega, 6),
    (Source::Partner, 3),
    (Source::Burger, 1),
];

const NATIONALITIES: &[(&str, u32)] = &[
    ("Pools", 14),
    ("Poolse", 4),
    ("Roemeens", 5),
    ("Roemeense", 8),
    ("Bulgaarse", 6),
    ("Hongaarse", 2),
    ("Litouwse", 2),
    ("Nederlandse", 18),
    ("Nederlands", 4),
    ("Oekraïense", 7),
    ("Nigeriaanse", 5),
    ("Eritrese", 3),
    ("Marokkaanse", 3),
    ("Turkse", 3),
    ("Chinese", 3),
    ("Vietnamese", 2),
    ("Braziliaanse", 2),
    ("onbekend", 5),
    ("", 12),
];

/// The forms that fit a sector.
fn forms_for(rng: &mut Rng, sector: Sector) -> Vec<Form> {
    use Form::*;
    if rng.chance(0.05) {
        return vec![Onbekend];
    }
    if rng.chance(0.002) {
        return vec![Orgaan];
    }
    let main = match sector {
        Sector::Sekswerk => rng.weighted(&[(Seksueel, 9), (Arbeid, 1)]),
        Sector::Horeca | Sector::NagelstudioCarwash => {
            rng.weighted(&[(Arbeid, 6), (Seksueel, 3), (Crimineel, 1)])
        }
        Sector::Onderwijs => rng.weighted(&[(Crimineel, 6), (Seksueel, 4)]),
        Sector::Azc | Sector::Woningcorporatie | Sector::Overig => {
            rng.weighted(&[(Arbeid, 4), (Seksueel, 3), (Crimineel, 3)])
        }
        Sector::Kamerverhuur => rng.weighted(&[(Arbeid, 8), (Seksueel, 1), (Crimineel, 1)]),
        _ => rng.weighted(&[(Arbeid, 9), (Crimineel, 1)]),
    };
    let mut forms = vec![main];
    if rng.chance(0.12) {
        let other = *rng.pick(&[Seksueel, Arbeid, Crimineel]);
        if other != main {
            forms.push(other);
        }
    }
    forms
}

fn sector_word(s: Sector) -> &'static str {
    match s {
        Sector::Vakantiepark => "vakantiepark",
        Sector::Kamerverhuur => "kamerverhuur",
        Sector::Uitzendbureau => "uitzendbureau",
        Sector::Horeca => "horeca",
        Sector::Agrarisch => "agrarisch",
        Sector::Distributie => "distributie",
        Sector::Bouw => "bouw",
        Sector::Schoonmaak => "schoonmaak",
        Sector::NagelstudioCarwash => "nagelstudio_carwash",
        Sector::Sekswerk => "sekswerk",
        Sector::Woningcorporatie => "woningcorporatie",
        Sector::Onderwijs => "onderwijs",
        Sector::Azc => "azc",
        Sector::Overig => "overig",
    }
}

const STREETS: &[&str] = &[
    "Industrieweg",
    "Stationsweg",
    "Kerkstraat",
    "Molenweg",
    "Dorpsstraat",
    "Polderweg",
    "Havenkade",
    "Marktplein",
    "Beukenlaan",
    "Schoolstraat",
    "Spoorlaan",
    "Nieuwstraat",
];

fn location(rng: &mut Rng, sector: Sector) -> String {
    let n = rng.range(1, 140);
    let street = rng.pick(STREETS);
    match sector {
        Sector::Vakantiepark => format!("Recreatiepark aan de {street}, chalet {n}"),
        Sector::Kamerverhuur => format!("Kamerverhuurpand {street} {n}"),
        Sector::Uitzendbureau => format!("Uitzendbureau, {street} {n}"),
        Sector::Horeca => format!("Hotel-restaurant aan de {street}"),
        Sector::Agrarisch => format!("Kwekerij aan de {street}, kas {}", n % 9 + 1),
        Sector::Distributie => format!("Distributiecentrum {street}, hal {}", n % 6 + 1),
        Sector::Bouw => format!("Bouwplaats {street}, kavel {n}"),
        Sector::Schoonmaak => format!("Kantoorpand {street} {n}"),
        Sector::NagelstudioCarwash => {
            if rng.chance(0.5) {
                format!("Nagelstudio {street} {n}")
            } else {
                format!("Car wash {street}")
            }
        }
        Sector::Sekswerk => {
            if rng.chance(0.3) {
                "Advertentie op een sekssite (online)".into()
            } else {
                format!("Woning {street} {n}")
            }
        }
        Sector::Woningcorporatie => format!("Huurwoning {street} {n}"),
        Sector::Onderwijs => format!("Schoolplein, {street}"),
        Sector::Azc => format!("Azc, paviljoen {}", n % 12 + 1),
        Sector::Overig => format!("{street} {n}"),
    }
}

/// A short invented observation (no names).
fn observation(rng: &mut Rng, kind: RecordKind, forms: &[Form], sector: Sector) -> String {
    let n = rng.range(3, 14);
    let what = match forms.first().copied().unwrap_or(Form::Onbekend) {
        Form::Arbeid => rng
            .pick(&[
                format!("{n} arbeidsmigranten wonen in een ruimte voor {}.", n / 2),
                "Werknemers werken zes dagen per week zonder loonstrook.".to_string(),
                "De werkgever houdt de paspoorten in bewaring.".to_string(),
                "Huur en vervoer worden rechtstreeks van het loon ingehouden.".to_string(),
                "Medewerkers worden 's nachts met een busje opgehaald en teruggebracht."
                    .to_string(),
                "Een werknemer zegt een schuld bij het bureau te moeten afbetalen.".to_string(),
            ])
            .clone(),
        Form::Seksueel => rng
            .pick(&[
                "Wisselende jonge vrouwen in de woning, veel bezoek 's avonds.".to_string(),
                "Een vrouw spreekt geen Nederlands of Engels en wordt steeds begeleid.".to_string(),
                "Advertenties met dezelfde foto's voor verschillende steden.".to_string(),
                "Een meisje vertelt over een vriend die haar telefoon controleert.".to_string(),
                "Er wordt contant betaald en de vrouwen lijken niets zelf te houden.".to_string(),
            ])
            .clone(),
        Form::Crimineel => rng
            .pick(&[
                "Jongeren worden ingezet om pakketjes rond te brengen.".to_string(),
                "Een leerling heeft opeens dure spullen en spijbelt vaak.".to_string(),
                "Bewoners worden gedwongen hun bankrekening uit te lenen.".to_string(),
                "Een jongen zegt een schuld te moeten afwerken bij oudere jongens.".to_string(),
            ])
            .clone(),
        Form::Orgaan => {
            "Een bewoner vertelt over een operatie in het buitenland om een schuld af te lossen."
                .to_string()
        }
        Form::Onbekend => rng
            .pick(&[
                "Situatie voelt niet pluis, maar het beeld is nog onduidelijk.".to_string(),
                format!("Op het adres staan {n} mensen ingeschreven die niemand kent."),
                "Buren melden veel wisselende bewoners en busjes in de vroege ochtend.".to_string(),
            ])
            .clone(),
    };
    let extra = match sector {
        Sector::Vakantiepark | Sector::Kamerverhuur => {
            " Matrassen op de grond, brandgevaarlijke situatie."
        }
        Sector::Agrarisch | Sector::Distributie | Sector::Bouw => " Geen beschermende kleding.",
        Sector::Horeca | Sector::Schoonmaak => " Lange diensten, ook 's nachts.",
        _ => "",
    };
    let extra = if rng.chance(0.4) { extra } else { "" };
    match kind {
        RecordKind::Signaal => format!("{what}{extra}"),
        RecordKind::Adviesvraag => format!(
            "{} {what}",
            rng.pick(&[
                "Vraag van een collega: is dit een signaal?",
                "Consulent twijfelt of dit gemeld moet worden.",
                "Vraag om advies over een situatie:",
                "Ketenpartner vraagt wat de gemeente hiermee kan.",
            ])
        ),
    }
}

fn persons(rng: &mut Rng, kind: RecordKind, forms: &[Form]) -> Vec<Person> {
    let count = match kind {
        RecordKind::Adviesvraag => rng.weighted(&[(0, 5), (1, 4), (2, 1)]),
        RecordKind::Signaal => rng.weighted(&[(0, 2), (1, 4), (2, 3), (3, 2)]),
    };
    let youth = forms.contains(&Form::Crimineel) || forms.contains(&Form::Seksueel);
    (0..count)
        .map(|i| {
            use AgeBand::*;
            let age_band = if youth {
                rng.weighted(&[
                    (Onder14, 2),
                    (Van14Tot17, 8),
                    (Van18Tot23, 10),
                    (Van24Tot27, 6),
                    (Van28Tot40, 6),
                    (Van41Tot65, 2),
                    (Onbekend, 4),
                ])
            } else {
                rng.weighted(&[
                    (Van14Tot17, 1),
                    (Van18Tot23, 6),
                    (Van24Tot27, 8),
                    (Van28Tot40, 12),
                    (Van41Tot65, 7),
                    (Boven65, 1),
                    (Onbekend, 4),
                ])
            };
            let role = if i == 0 {
                rng.weighted(&[
                    (PersonRole::Slachtoffer, 7),
                    (PersonRole::Onbekend, 2),
                    (PersonRole::Dader, 1),
                ])
            } else {
                rng.weighted(&[
                    (PersonRole::Slachtoffer, 4),
                    (PersonRole::Dader, 3),
                    (PersonRole::Getuige, 2),
                    (PersonRole::Onbekend, 1),
                ])
            };
            let nationality = rng.weighted(NATIONALITIES);
            Person {
                label: format!("P{}", i + 1),
                role,
                age_band,
                // Flagged as a minor when the age is unknown but the person looks under 18.
                minor: age_band.is_minor() || (age_band == Onbekend && rng.chance(0.15)),
                nationality: (!nationality.is_empty()).then(|| nationality.to_string()),
            }
        })
        .collect()
}

/// 0–5 indicators from the cards of the forms and the sector.
fn indicators(
    rng: &mut Rng,
    cards: &CardSet,
    forms: &[Form],
    sector: Sector,
    max: i64,
) -> Vec<String> {
    let mut pool: Vec<&str> = Vec::new();
    for card in &cards.cards {
        let fits = forms
            .iter()
            .any(|f| card.id == format!("vorm-{}", f.wire()))
            || card.id == format!("sector-{}", sector_word(sector));
        if fits {
            pool.extend(card.indicators.iter().map(|i| i.id.as_str()));
        }
    }
    let mut out: Vec<String> = Vec::new();
    if pool.is_empty() {
        return out;
    }
    for _ in 0..rng.range(0, max) {
        let id = rng.pick(&pool).to_string();
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

fn make_plan(
    rng: &mut Rng,
    n: usize,
    start: NaiveDate,
    now: NaiveDateTime,
    cards: &CardSet,
    route: &Route,
) -> Plan {
    let today = now.date();
    // Nothing is observed in the last ten minutes (the batch of today is saved "now").
    let latest = now - Duration::minutes(10);
    let mut signals: Vec<PlannedSignal> = Vec::with_capacity(n);
    let mut controls: Vec<PlannedControl> = Vec::new();

    // Field controls first: about 8% of the records, 1–6 each, before today. One control runs
    // at a time: each takes one of four slots of a day (7:00, 11:00, 15:00, 19:00).
    let mut in_controls = 0;
    let mut slots = std::collections::HashSet::new();
    let free_slots = 4 * (today - start).num_days().max(0) as usize;
    while in_controls * 100 < n * 8 && slots.len() * 5 < free_slots * 4 {
        let d = day(rng, start, today - Duration::days(1));
        let slot = rng.range(0, 3);
        if !slots.insert((d, slot)) {
            continue;
        }
        let kind = rng.weighted(&[
            (ControlType::IntegraleControle, 5),
            (ControlType::BranchegerichteControle, 3),
            (ControlType::Huisbezoek, 3),
            (ControlType::BrpAdrescontrole, 3),
            (ControlType::Overig, 1),
        ]);
        let sector = match kind {
            ControlType::BranchegerichteControle => rng.weighted(&[
                (Sector::Horeca, 3),
                (Sector::NagelstudioCarwash, 3),
                (Sector::Agrarisch, 2),
                (Sector::Sekswerk, 2),
            ]),
            ControlType::Huisbezoek | ControlType::BrpAdrescontrole => rng.weighted(&[
                (Sector::Kamerverhuur, 5),
                (Sector::Woningcorporatie, 2),
                (Sector::Vakantiepark, 2),
            ]),
            _ => rng.weighted(SECTORS),
        };
        let mut partners = Vec::new();
        for _ in 0..rng.range(0, 3) {
            let p = *rng.pick(ControlPartner::ALL);
            if !partners.contains(&p) {
                partners.push(p);
            }
        }
        let start_at = time(d, 7 + 4 * slot as u32, rng.range(0, 29) as u32);
        let end = start_at + Duration::minutes(rng.range(90, 200));
        let k = (rng.range(1, 6) as usize).min(n - in_controls);
        let mut ids = Vec::new();
        for j in 0..k {
            let forms = forms_for(rng, sector);
            let input = SignalInput {
                kind: RecordKind::Signaal,
                // The control's start, source and location.
                observed_at: None,
                source: None,
                sector: Some(sector),
                location: Location::default(),
                indicators: indicators(rng, cards, &forms, sector, 5),
                observation: observation(rng, RecordKind::Signaal, &forms, sector),
                persons: persons(rng, RecordKind::Signaal, &forms),
                urgency: rng.weighted(&[
                    (Urgency::AcuutGevaar, 3),
                    (Urgency::Urgent, 15),
                    (Urgency::Normaal, 82),
                ]),
                forms,
                control_id: None,
            };
            ids.push(signals.len());
            signals.push(PlannedSignal {
                input: Some(input),
                recorded: start_at + Duration::minutes(10 + 15 * j as i64),
                single: true,
            });
        }
        in_controls += k;
        controls.push(PlannedControl {
            input: ControlInput {
                kind,
                started_at: None,
                location: Location {
                    description: location(rng, sector),
                    lat: None,
                    lon: None,
                },
                partners,
            },
            start: start_at,
            end,
            signals: ids,
        });
    }

    // The other records, outside controls.
    while signals.len() < n {
        let kind = if rng.chance(0.25) {
            RecordKind::Adviesvraag
        } else {
            RecordKind::Signaal
        };
        let d = day(rng, start, today);
        let observed = time(d, rng.range(7, 22) as u32, rng.range(0, 59) as u32).min(latest);
        let delay_days =
            rng.weighted(&[(0, 70), (1, 10), (2, 6), (4, 5), (7, 4), (14, 3), (30, 2)]);
        let recorded_day = (observed.date() + Duration::days(delay_days)).min(today);
        let sector = rng.weighted(SECTORS);
        let forms = forms_for(rng, sector);
        let source = match kind {
            RecordKind::Adviesvraag => rng.weighted(ADVICE_SOURCES),
            RecordKind::Signaal => rng.weighted(SOURCES),
        };
        let urgency = match kind {
            RecordKind::Adviesvraag => {
                rng.weighted(&[(Urgency::Urgent, 5), (Urgency::Normaal, 95)])
            }
            RecordKind::Signaal => rng.weighted(&[
                (Urgency::AcuutGevaar, 2),
                (Urgency::Urgent, 12),
                (Urgency::Normaal, 86),
            ]),
        };
        let input = SignalInput {
            kind,
            observed_at: Some(observed),
            source: Some(source),
            sector: Some(sector),
            location: Location {
                description: location(rng, sector),
                lat: None,
                lon: None,
            },
            indicators: indicators(
                rng,
                cards,
                &forms,
                sector,
                if kind == RecordKind::Adviesvraag {
                    2
                } else {
                    5
                },
            ),
            observation: observation(rng, kind, &forms, sector),
            persons: persons(rng, kind, &forms),
            urgency,
            forms,
            control_id: None,
        };
        // Saved late in the evening of the day it is recorded (today: now).
        let recorded = if recorded_day == today {
            now
        } else {
            time(recorded_day, 23, 30)
        };
        signals.push(PlannedSignal {
            input: Some(input),
            recorded,
            single: false,
        });
    }

    let cases = plan_cases(rng, &mut signals, now, route);
    Plan {
        signals,
        controls,
        cases,
    }
}

/// Contacts of the meldroute a step may go to (not 112, not oneself), by what a case is about.
fn contact_for(rng: &mut Rng, route: &Route, forms: &[Form], minor: bool) -> Option<String> {
    let mut options: Vec<(&str, u32)> = vec![
        ("aandachtsfunctionaris-backup", 1),
        ("ondermijningsoverleg", 3),
        ("zorgcoordinator", 4),
        ("politie", 4),
        ("riec", 2),
        ("comensha", 1),
    ];
    if forms.contains(&Form::Arbeid) {
        options.push(("arbeidsinspectie", 6));
    }
    if minor {
        options.push(("veilig-thuis", 8));
    }
    if forms.contains(&Form::Seksueel) {
        options.push(("politie", 4));
    }
    options.retain(|(id, _)| route.contact(id).is_some());
    if options.is_empty() {
        return None;
    }
    Some(rng.weighted(&options).to_string())
}

fn plan_cases(
    rng: &mut Rng,
    signals: &mut [PlannedSignal],
    now: NaiveDateTime,
    route: &Route,
) -> Vec<PlannedCase> {
    // Signals in observation order; adviesvragen stay out of cases.
    let observed = |s: &PlannedSignal| {
        s.input
            .as_ref()
            .and_then(|i| i.observed_at)
            .unwrap_or(s.recorded)
    };
    let mut order: Vec<usize> = (0..signals.len())
        .filter(|&i| signals[i].input.as_ref().map(|s| s.kind) == Some(RecordKind::Signaal))
        .collect();
    order.sort_by_key(|&i| (observed(&signals[i]), i));
    let mut taken = vec![false; signals.len()];
    let mut cases = Vec::new();
    let latest = now - Duration::minutes(30);
    for (pos, &i) in order.iter().enumerate() {
        if taken[i] {
            continue;
        }
        let Some(first) = signals[i].input.as_ref() else {
            continue;
        };
        let p = match first.urgency {
            Urgency::AcuutGevaar => 0.6,
            Urgency::Urgent => 0.3,
            Urgency::Normaal => 0.07,
        };
        if !rng.chance(p) {
            continue;
        }
        let sector = first.sector;
        let t0 = observed(&signals[i]);
        let mut members = vec![i];
        taken[i] = true;
        // Up to three later signals about the same sector within six weeks.
        let want = rng.weighted(&[(0usize, 5), (1, 3), (2, 1), (3, 1)]);
        for &j in order[pos + 1..].iter().take(400) {
            if members.len() > want {
                break;
            }
            let s = &signals[j];
            if taken[j] || observed(s) > t0 + Duration::days(42) {
                continue;
            }
            if s.input.as_ref().map(|x| x.sector) == Some(sector) && rng.chance(0.3) {
                members.push(j);
                taken[j] = true;
            }
        }
        for &m in &members {
            signals[m].single = true;
        }
        let last_recorded = members
            .iter()
            .map(|&m| signals[m].recorded)
            .max()
            .unwrap_or(t0);
        let (forms, minor, acute) = {
            let inputs: Vec<&SignalInput> = members
                .iter()
                .filter_map(|&m| signals[m].input.as_ref())
                .collect();
            let mut forms: Vec<Form> = Vec::new();
            for f in inputs.iter().flat_map(|s| s.forms.iter()) {
                if !forms.contains(f) {
                    forms.push(*f);
                }
            }
            let minor = inputs
                .iter()
                .any(|s| s.persons.iter().any(Person::involves_minor));
            let acute = inputs.iter().any(|s| s.urgency == Urgency::AcuutGevaar);
            (forms, minor, acute)
        };
        let gap = |rng: &mut Rng, lo: i64, hi: i64| {
            Duration::days(rng.range(lo, hi)) + Duration::minutes(rng.range(0, 480))
        };
        let created = if acute {
            last_recorded + Duration::minutes(rng.range(20, 180))
        } else {
            last_recorded + gap(rng, 0, 10)
        };
        if created > latest {
            // Too recent to have become a case yet.
            continue;
        }
        let form_label = forms.first().copied().unwrap_or(Form::Onbekend).label();
        let title = format!(
            "{form_label} – {}, {}",
            sector.map_or("onbekende sector", Sector::label),
            created.format("%m-%Y")
        );
        let mut actions = Vec::new();
        let mut t = created;
        if rng.chance(0.6) {
            t += gap(rng, 0, 7);
            actions.push((
                t,
                CaseAction::Note(
                    rng.pick(&[
                        "BRP en kadaster nagekeken: meer inschrijvingen dan bedden.",
                        "Navraag bij de wijkagent: adres is bekend van eerdere meldingen.",
                        "Contact gehad met de consulent; betrokkene wil voorlopig geen hulp.",
                        "Werkgever staat niet ingeschreven bij de Kamer van Koophandel.",
                        "Huisvesting bezocht: situatie komt overeen met het signaal.",
                    ])
                    .to_string(),
                ),
            ));
        }
        if rng.chance(0.7) {
            t += gap(rng, 1, 14);
            let level = rng.weighted(&[
                (Suspicion::Geen, 2),
                (Suspicion::Zwak, 4),
                (Suspicion::Versterkt, 3),
                (Suspicion::Sterk, 1),
            ]);
            actions.push((
                t,
                CaseAction::Weging(
                    level,
                    "Gewogen op basis van de indicatoren en de verrijking.".into(),
                ),
            ));
        }
        for _ in 0..rng.range(0, 3) {
            let Some(contact) = contact_for(rng, route, &forms, minor) else {
                break;
            };
            t += gap(rng, 1, 20);
            let internal = route
                .contact(&contact)
                .is_some_and(|c| c.kind == ContactKind::Aandachtsfunctionaris);
            let basis = if contact == "veilig-thuis" {
                LegalBasisKind::WettelijkeTaak
            } else if acute {
                LegalBasisKind::AcuutGevaar
            } else {
                rng.weighted(&[
                    (LegalBasisKind::Convenant, 6),
                    (LegalBasisKind::Zorgplicht, 2),
                    (LegalBasisKind::Toestemming, 1),
                ])
            };
            actions.push((
                t,
                CaseAction::Step(StepInput {
                    contact_id: contact,
                    reason: rng
                        .pick(&[
                            "Overleg over de aanpak.",
                            "Informatie gedeeld voor een gezamenlijke controle.",
                            "Hulpaanbod voor de betrokkene besproken.",
                            "Melding gedaan volgens de meldroute.",
                        ])
                        .to_string(),
                    outcome: rng
                        .chance(0.5)
                        .then(|| "Afgesproken dat de partner contact opneemt.".to_string()),
                    legal_basis: (!internal).then(|| LegalBasisInput {
                        kind: Some(basis),
                        explanation: "Nodig voor de aanpak van een vermoeden van uitbuiting."
                            .into(),
                    }),
                    fields: if internal {
                        Vec::new()
                    } else {
                        vec![ShareField::Observatie, ShareField::Locatie]
                    },
                }),
            ));
        }
        if rng.chance(0.75) {
            t += gap(rng, 14, 150);
            actions.push((t, CaseAction::Status(CaseStatus::Afgesloten)));
            if rng.chance(0.08) {
                t += gap(rng, 10, 60);
                actions.push((t, CaseAction::Status(CaseStatus::InBehandeling)));
                if rng.chance(0.7) {
                    t += gap(rng, 10, 60);
                    actions.push((t, CaseAction::Status(CaseStatus::Afgesloten)));
                }
            }
        }
        // What has not happened yet by now does not happen.
        actions.retain(|(at, _)| *at <= latest);
        cases.push(PlannedCase {
            title,
            acute,
            signals: members,
            created,
            actions,
        });
    }
    cases
}

// ---- carrying it out ------------------------------------------------------------------------

#[derive(Default)]
struct Counts {
    signals: usize,
    adviesvragen: usize,
    in_controls: usize,
    controls: usize,
    cases: usize,
    closed_cases: usize,
    steps: usize,
}

/// What happens, in the order of the simulated clock.
enum Event {
    ControlStart(usize),
    Single(usize),
    ControlEnd(usize),
    Batch(Vec<usize>),
    CaseCreate(usize),
    CaseAction(usize, usize),
}

fn execute(
    z: &mut Zicht,
    mut plan: Plan,
    at: &dyn Fn(NaiveDateTime) -> Now,
    real_now: Now,
) -> Result<Counts, String> {
    let mut events: Vec<(NaiveDateTime, Event)> = Vec::new();
    let mut control_of = vec![None; plan.signals.len()];
    for (c, control) in plan.controls.iter().enumerate() {
        events.push((control.start, Event::ControlStart(c)));
        for &s in &control.signals {
            control_of[s] = Some(c);
        }
        events.push((control.end, Event::ControlEnd(c)));
    }
    let mut batches: std::collections::BTreeMap<NaiveDateTime, Vec<usize>> = Default::default();
    for (i, s) in plan.signals.iter().enumerate() {
        if s.single {
            events.push((s.recorded, Event::Single(i)));
        } else {
            batches.entry(s.recorded).or_default().push(i);
        }
    }
    events.extend(batches.into_iter().map(|(t, b)| (t, Event::Batch(b))));
    for (c, case) in plan.cases.iter().enumerate() {
        events.push((case.created, Event::CaseCreate(c)));
        for (a, (t, _)) in case.actions.iter().enumerate() {
            events.push((*t, Event::CaseAction(c, a)));
        }
    }
    // Stable: at the same minute, in the order pushed (a control's start before its signals).
    events.sort_by_key(|(t, _)| *t);

    let mut ids: Vec<Option<String>> = vec![None; plan.signals.len()];
    let mut control_ids: Vec<Option<String>> = vec![None; plan.controls.len()];
    let mut case_ids: Vec<Option<String>> = vec![None; plan.cases.len()];
    let mut counts = Counts::default();
    let count = |counts: &mut Counts, kind: RecordKind| match kind {
        RecordKind::Signaal => counts.signals += 1,
        RecordKind::Adviesvraag => counts.adviesvragen += 1,
    };
    let fail = |what: &str, e: CoreError| format!("{what} mislukt: {}", dutch(&e));
    for (t, event) in events {
        let now = if t >= real_now.naive_local() {
            real_now
        } else {
            at(t)
        };
        match event {
            Event::ControlStart(c) => {
                let control = z
                    .start_control(plan.controls[c].input.clone(), now)
                    .map_err(|e| fail("controle starten", e))?;
                control_ids[c] = Some(control.id);
                counts.controls += 1;
            }
            Event::ControlEnd(c) => {
                if let Some(id) = &control_ids[c] {
                    z.end_control(id, now)
                        .map_err(|e| fail("controle beëindigen", e))?;
                }
            }
            Event::Single(i) => {
                let Some(mut input) = plan.signals[i].input.take() else {
                    continue;
                };
                if let Some(c) = control_of[i] {
                    input.control_id = control_ids[c].clone();
                    counts.in_controls += 1;
                }
                count(&mut counts, input.kind);
                let saved = z
                    .record_signal(input, now)
                    .map_err(|e| fail("signaal vastleggen", e))?;
                ids[i] = Some(saved.signal.id);
            }
            Event::Batch(b) => {
                let inputs: Vec<SignalInput> = b
                    .iter()
                    .filter_map(|&i| plan.signals[i].input.take())
                    .collect();
                for s in &inputs {
                    count(&mut counts, s.kind);
                }
                z.record_signals_batch(inputs, now)
                    .map_err(|e| fail("signalen vastleggen", e))?;
            }
            Event::CaseCreate(c) => {
                let case = &plan.cases[c];
                let signal_ids: Vec<String> = case
                    .signals
                    .iter()
                    .filter_map(|&s| ids[s].clone())
                    .collect();
                if signal_ids.is_empty() {
                    continue;
                }
                let created = z
                    .create_case(
                        CaseInput {
                            title: case.title.clone(),
                            signal_ids,
                            acute: case.acute,
                        },
                        now,
                    )
                    .map_err(|e| fail("casus aanmaken", e))?;
                case_ids[c] = Some(created.id);
                counts.cases += 1;
            }
            Event::CaseAction(c, a) => {
                let Some(id) = case_ids[c].clone() else {
                    continue;
                };
                let action = std::mem::replace(
                    &mut plan.cases[c].actions[a].1,
                    CaseAction::Note(String::new()),
                );
                match action {
                    CaseAction::Note(text) => {
                        z.add_case_note(&id, &text, now)
                            .map_err(|e| fail("notitie toevoegen", e))?;
                    }
                    CaseAction::Weging(level, why) => {
                        z.set_case_weging(&id, Some(level), &why, now)
                            .map_err(|e| fail("weging vastleggen", e))?;
                    }
                    CaseAction::Step(step) => {
                        z.record_case_step(&id, step, now)
                            .map_err(|e| fail("meldroutestap vastleggen", e))?;
                        counts.steps += 1;
                    }
                    CaseAction::Status(to) => {
                        z.set_case_status(&id, to, now)
                            .map_err(|e| fail("status wijzigen", e))?;
                    }
                }
            }
        }
    }
    counts.closed_cases = z
        .cases()
        .map_err(|e| dutch(&e))?
        .iter()
        .filter(|c| c.status == CaseStatus::Afgesloten)
        .count();
    Ok(counts)
}
