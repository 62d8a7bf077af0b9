//! What the monitor (*aard en omvang*) counts of one record: its kind, the date it counts on,
//! its municipality and its categories per breakdown. No text, no ids, nothing per person
//! beyond a category: a [`Fact`] is what retention's ledger keeps of a purged record
//! (`ledger.rs`); the in-memory index keeps each signal's fact as a [`Code`] (small numbers,
//! densely), so the monitor needs no store scan for signals.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use zicht_model::*;

/// A breakdown of the monitor: its stable id (CSV `dimensie`), its Dutch title, and whether
/// one record can count under several of its categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dim {
    Municipality,
    Form,
    Sector,
    Source,
    Urgency,
    Minor,
    AgeBand,
    Nationality,
    PersonRole,
    CaseStatus,
    Track,
    StepTaken,
    ControlType,
    ControlSignals,
}

impl Dim {
    /// The breakdowns of signals and adviesvragen, in the order the monitor shows them.
    pub const SIGNAL: [Dim; 9] = [
        Dim::Municipality,
        Dim::Form,
        Dim::Sector,
        Dim::Source,
        Dim::Urgency,
        Dim::Minor,
        Dim::AgeBand,
        Dim::Nationality,
        Dim::PersonRole,
    ];
    /// The breakdowns of cases.
    pub const CASE: [Dim; 3] = [Dim::CaseStatus, Dim::Track, Dim::StepTaken];

    pub fn id(self) -> &'static str {
        match self {
            Dim::Municipality => "gemeente",
            Dim::Form => "vorm",
            Dim::Sector => "sector",
            Dim::Source => "bron",
            Dim::Urgency => "urgentie",
            Dim::Minor => "minderjarige",
            Dim::AgeBand => "leeftijd",
            Dim::Nationality => "nationaliteit",
            Dim::PersonRole => "rol",
            Dim::CaseStatus => "casusstatus",
            Dim::Track => "spoor",
            Dim::StepTaken => "meldroutestap",
            Dim::ControlType => "controles",
            Dim::ControlSignals => "signalen_uit_controles",
        }
    }

    /// The breakdown with this [`Dim::id`].
    pub fn from_id(id: &str) -> Option<Dim> {
        [
            Dim::SIGNAL.as_slice(),
            Dim::CASE.as_slice(),
            &[Dim::ControlType, Dim::ControlSignals],
        ]
        .concat()
        .into_iter()
        .find(|d| d.id() == id)
    }

    pub fn title(self) -> &'static str {
        match self {
            Dim::Municipality => "Gemeente",
            Dim::Form => "Vorm van uitbuiting",
            Dim::Sector => "Sector",
            Dim::Source => "Bron",
            Dim::Urgency => "Urgentie",
            Dim::Minor => "Minderjarige betrokken",
            Dim::AgeBand => "Leeftijd van betrokkenen",
            Dim::Nationality => "Nationaliteit van betrokkenen",
            Dim::PersonRole => "Rol van betrokkenen",
            Dim::CaseStatus => "Status van casussen",
            Dim::Track => "Spoor (besluit regionale tafel)",
            Dim::StepTaken => "Meldroutestappen genomen",
            Dim::ControlType => "Controles per soort",
            Dim::ControlSignals => "Signalen uit controles, per soort controle",
        }
    }

    pub fn multi_valued(self) -> bool {
        matches!(
            self,
            Dim::Form | Dim::AgeBand | Dim::Nationality | Dim::PersonRole | Dim::StepTaken
        )
    }

    /// Every category a record can have, in display order, with its Dutch label (the
    /// municipality and meldroute steps are open-ended: their categories come from the data).
    pub fn categories(self) -> Vec<(String, String)> {
        fn all<T: Copy>(
            xs: &[T],
            wire: fn(T) -> &'static str,
            label: fn(T) -> &'static str,
        ) -> Vec<(String, String)> {
            xs.iter()
                .map(|&x| (wire(x).to_string(), label(x).to_string()))
                .collect()
        }
        match self {
            Dim::Municipality | Dim::StepTaken => Vec::new(),
            Dim::Form => all(Form::ALL, Form::wire, Form::label),
            Dim::Sector => all(Sector::ALL, Sector::wire, Sector::label),
            Dim::Source => all(Source::ALL, Source::wire, Source::label),
            Dim::Urgency => all(Urgency::ALL, Urgency::wire, Urgency::label),
            Dim::Minor => vec![
                ("ja".into(), "Ja".into()),
                ("nee".into(), "Nee of onbekend".into()),
            ],
            Dim::AgeBand => {
                let mut v = all(AgeBand::ALL, AgeBand::wire, AgeBand::label);
                v.push((NO_PERSONS.into(), "Geen personen vastgelegd".into()));
                v
            }
            Dim::Nationality => {
                let mut v: Vec<(String, String)> = NationalityGroup::ALL
                    .iter()
                    .map(|g| (g.wire().to_string(), g.label().to_string()))
                    .collect();
                v.push((NO_PERSONS.into(), "Geen personen vastgelegd".into()));
                v
            }
            Dim::PersonRole => {
                let mut v = all(PersonRole::ALL, PersonRole::wire, PersonRole::label);
                v.push((NO_PERSONS.into(), "Geen personen vastgelegd".into()));
                v
            }
            Dim::CaseStatus => all(CaseStatus::ALL, CaseStatus::wire, CaseStatus::label),
            Dim::Track => {
                let mut v = all(Track::ALL, Track::wire, Track::label);
                v.push((NO_DECISION.into(), "Nog geen besluit".into()));
                v
            }
            Dim::ControlType | Dim::ControlSignals => {
                all(ControlType::ALL, ControlType::wire, ControlType::label)
            }
        }
    }
}

/// Category of a record without persons (age, nationality, role).
pub const NO_PERSONS: &str = "geen_personen";
/// Category of a case without a decision of the table.
pub const NO_DECISION: &str = "geen_besluit";

/// The nationality groups CoMensha and the National Rapporteur publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NationalityGroup {
    Nl,
    Eu,
    OutsideEu,
    Unknown,
}

impl NationalityGroup {
    pub const ALL: [NationalityGroup; 4] = [
        NationalityGroup::Nl,
        NationalityGroup::Eu,
        NationalityGroup::OutsideEu,
        NationalityGroup::Unknown,
    ];

    pub fn wire(self) -> &'static str {
        match self {
            NationalityGroup::Nl => "nl",
            NationalityGroup::Eu => "eu",
            NationalityGroup::OutsideEu => "buiten_eu",
            NationalityGroup::Unknown => "onbekend",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            NationalityGroup::Nl => "Nederlands",
            NationalityGroup::Eu => "Andere EU-nationaliteit",
            NationalityGroup::OutsideEu => "Nationaliteit buiten de EU",
            NationalityGroup::Unknown => "Onbekend",
        }
    }

    /// The group of a nationality as typed: Dutch, another EU member state (by Dutch or
    /// English name, adjective or ISO code), empty or "onbekend" → unknown, anything else →
    /// outside the EU.
    pub fn of(nationality: Option<&str>) -> NationalityGroup {
        let Some(n) = nationality.map(|n| n.trim().to_lowercase()) else {
            return NationalityGroup::Unknown;
        };
        if n.is_empty() || ["onbekend", "unknown", "?", "-", "nvt", "n.v.t."].contains(&n.as_str())
        {
            return NationalityGroup::Unknown;
        }
        if [
            "nl",
            "nld",
            "nederland",
            "nederlands",
            "nederlandse",
            "netherlands",
            "dutch",
        ]
        .contains(&n.as_str())
        {
            return NationalityGroup::Nl;
        }
        if EU.iter().any(|names| names.contains(&n.as_str())) {
            NationalityGroup::Eu
        } else {
            NationalityGroup::OutsideEu
        }
    }
}

/// The other 26 EU member states: ISO 3166 alpha-2 and alpha-3, Dutch country name and
/// adjectives, English name and adjective (lower case).
const EU: [&[&str]; 26] = [
    &[
        "be",
        "bel",
        "belgië",
        "belgie",
        "belgisch",
        "belgische",
        "belgium",
        "belgian",
    ],
    &[
        "bg",
        "bgr",
        "bulgarije",
        "bulgaars",
        "bulgaarse",
        "bulgaria",
        "bulgarian",
    ],
    &[
        "cy",
        "cyp",
        "cyprus",
        "cypriotisch",
        "cypriotische",
        "cypriot",
    ],
    &[
        "dk",
        "dnk",
        "denemarken",
        "deens",
        "deense",
        "denmark",
        "danish",
    ],
    &[
        "de",
        "deu",
        "duitsland",
        "duits",
        "duitse",
        "germany",
        "german",
    ],
    &[
        "ee", "est", "estland", "ests", "estse", "estonia", "estonian",
    ],
    &["fi", "fin", "finland", "fins", "finse", "finnish"],
    &[
        "fr",
        "fra",
        "frankrijk",
        "frans",
        "franse",
        "france",
        "french",
    ],
    &[
        "gr",
        "grc",
        "griekenland",
        "grieks",
        "griekse",
        "greece",
        "greek",
    ],
    &[
        "hu",
        "hun",
        "hongarije",
        "hongaars",
        "hongaarse",
        "hungary",
        "hungarian",
    ],
    &["ie", "irl", "ierland", "iers", "ierse", "ireland", "irish"],
    &[
        "it",
        "ita",
        "italië",
        "italie",
        "italiaans",
        "italiaanse",
        "italy",
        "italian",
    ],
    &[
        "hr",
        "hrv",
        "kroatië",
        "kroatie",
        "kroatisch",
        "kroatische",
        "croatia",
        "croatian",
    ],
    &["lv", "lva", "letland", "lets", "letse", "latvia", "latvian"],
    &[
        "lt",
        "ltu",
        "litouwen",
        "litouws",
        "litouwse",
        "lithuania",
        "lithuanian",
    ],
    &[
        "lu",
        "lux",
        "luxemburg",
        "luxemburgs",
        "luxemburgse",
        "luxembourg",
        "luxembourgish",
    ],
    &["mt", "mlt", "malta", "maltees", "maltese"],
    &[
        "at",
        "aut",
        "oostenrijk",
        "oostenrijks",
        "oostenrijkse",
        "austria",
        "austrian",
    ],
    &["pl", "pol", "polen", "pools", "poolse", "poland", "polish"],
    &[
        "pt",
        "prt",
        "portugal",
        "portugees",
        "portugese",
        "portuguese",
    ],
    &[
        "ro",
        "rou",
        "roemenië",
        "roemenie",
        "roemeens",
        "roemeense",
        "romania",
        "romanian",
    ],
    &[
        "si",
        "svn",
        "slovenië",
        "slovenie",
        "sloveens",
        "sloveense",
        "slovenia",
        "slovenian",
    ],
    &[
        "sk",
        "svk",
        "slowakije",
        "slowaaks",
        "slowaakse",
        "slovakia",
        "slovak",
    ],
    &[
        "es", "esp", "spanje", "spaans", "spaanse", "spain", "spanish",
    ],
    &[
        "cz",
        "cze",
        "tsjechië",
        "tsjechie",
        "tsjechisch",
        "tsjechische",
        "czechia",
        "czech",
    ],
    &[
        "se", "swe", "zweden", "zweeds", "zweedse", "sweden", "swedish",
    ],
];

/// The signals as the monitor sees them (from the index): their codes and what the interned
/// numbers stand for.
#[derive(Clone, Copy)]
pub struct Codes<'a> {
    pub codes: &'a [Code],
    pub municipalities: &'a [String],
    pub controls: &'a [String],
}

/// One record as the monitor counts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    pub kind: MonitorKind,
    /// The day it counts on: observation (signal, adviesvraag), creation (case), start
    /// (control, kind `None` in [`ControlFact`]).
    pub date: NaiveDate,
    pub municipality: String,
    /// `(breakdown, category wire name)`; a multi-valued breakdown may appear several times.
    pub categories: Vec<(Dim, String)>,
}

impl Fact {
    pub fn of_signal(s: &Signal) -> Fact {
        let kind = match s.kind {
            RecordKind::Adviesvraag => MonitorKind::Adviesvraag,
            RecordKind::Signaal => MonitorKind::Signaal,
        };
        let mut c: Vec<(Dim, String)> = vec![
            (Dim::Municipality, s.municipality.clone()),
            (Dim::Sector, s.sector.wire().into()),
            (Dim::Source, s.source.wire().into()),
            (Dim::Urgency, s.urgency.wire().into()),
            (
                Dim::Minor,
                if s.involves_minor() { "ja" } else { "nee" }.into(),
            ),
        ];
        let push_unique = |c: &mut Vec<(Dim, String)>, d: Dim, v: &str| {
            if !c.iter().any(|(x, y)| *x == d && y == v) {
                c.push((d, v.to_string()));
            }
        };
        for f in &s.forms {
            push_unique(&mut c, Dim::Form, f.wire());
        }
        if s.persons.is_empty() {
            for d in [Dim::AgeBand, Dim::Nationality, Dim::PersonRole] {
                push_unique(&mut c, d, NO_PERSONS);
            }
        }
        for p in &s.persons {
            push_unique(&mut c, Dim::AgeBand, p.age_band.wire());
            push_unique(
                &mut c,
                Dim::Nationality,
                NationalityGroup::of(p.nationality.as_deref()).wire(),
            );
            push_unique(&mut c, Dim::PersonRole, p.role.wire());
        }
        Fact {
            kind,
            date: s.observed_at.date(),
            municipality: s.municipality.clone(),
            categories: c,
        }
    }

    pub fn of_case(case: &Case) -> Fact {
        let mut c: Vec<(Dim, String)> = vec![
            (Dim::CaseStatus, case.status.wire().into()),
            (
                Dim::Track,
                case.decision
                    .as_ref()
                    .map_or(NO_DECISION, |d| d.track.wire())
                    .into(),
            ),
        ];
        for step in &case.steps {
            if step.kind == StepKind::Contact {
                let key = step.contact_id.clone().unwrap_or_else(|| "overig".into());
                if !c.iter().any(|(d, v)| *d == Dim::StepTaken && *v == key) {
                    c.push((Dim::StepTaken, key));
                }
            }
        }
        Fact {
            kind: MonitorKind::Casus,
            date: case.created_at.date(),
            municipality: case.municipality.clone(),
            categories: c,
        }
    }

    /// The category of breakdown `d`, for a single-valued one.
    pub fn category(&self, d: Dim) -> Option<&str> {
        self.categories
            .iter()
            .find(|(x, _)| *x == d)
            .map(|(_, v)| v.as_str())
    }

    pub fn has(&self, d: Dim, value: &str) -> bool {
        self.categories.iter().any(|(x, v)| *x == d && v == value)
    }
}

/// The single-valued breakdowns a [`Code`] holds, in its `single` order.
pub const SINGLE: [Dim; 4] = [Dim::Sector, Dim::Source, Dim::Urgency, Dim::Minor];
/// The multi-valued breakdowns a [`Code`] holds, in its `multi` order.
pub const MULTI: [Dim; 4] = [Dim::Form, Dim::AgeBand, Dim::Nationality, Dim::PersonRole];
/// No control.
pub const NO_CONTROL: u32 = u32::MAX;

/// Strings numbered in the order they are first seen (municipalities, control ids).
#[derive(Debug, Default, Clone)]
pub struct Interner {
    pub names: Vec<String>,
    ids: std::collections::HashMap<String, u32>,
}

impl Interner {
    pub fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(s.to_string());
        self.ids.insert(s.to_string(), i);
        i
    }
}

/// A signal's [`Fact`] as small numbers, for counting a hundred thousand of them in a few
/// milliseconds: a single-valued breakdown as the position of its category in
/// [`Dim::categories`], a multi-valued one as a bit set over those positions, the municipality
/// and the control as interned numbers. The index keeps one per signal, densely.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    pub date: NaiveDate,
    pub kind: MonitorKind,
    pub municipality: u32,
    pub control: u32,
    pub single: [u8; 4],
    pub multi: [u32; 4],
    /// Days from observation to recording.
    pub recorded_days: i32,
}

/// The position of `wire` in `d`'s categories (enum breakdowns; at most 32).
pub fn category_index(d: Dim, wire: &str) -> Option<u8> {
    fn pos<T: Copy>(xs: &[T], w: fn(T) -> &'static str, wire: &str) -> Option<usize> {
        xs.iter().position(|&x| w(x) == wire)
    }
    // The same order as `Dim::categories`, without building it (this runs for every signal
    // at unlock).
    let extra = |n: usize| (wire == NO_PERSONS).then_some(n);
    let i = match d {
        Dim::Sector => pos(Sector::ALL, Sector::wire, wire),
        Dim::Source => pos(Source::ALL, Source::wire, wire),
        Dim::Urgency => pos(Urgency::ALL, Urgency::wire, wire),
        Dim::Minor => ["ja", "nee"].iter().position(|x| *x == wire),
        Dim::Form => pos(Form::ALL, Form::wire, wire),
        Dim::AgeBand => pos(AgeBand::ALL, AgeBand::wire, wire).or(extra(AgeBand::ALL.len())),
        Dim::Nationality => NationalityGroup::ALL
            .iter()
            .position(|g| g.wire() == wire)
            .or(extra(NationalityGroup::ALL.len())),
        Dim::PersonRole => {
            pos(PersonRole::ALL, PersonRole::wire, wire).or(extra(PersonRole::ALL.len()))
        }
        _ => d.categories().iter().position(|(k, _)| k == wire),
    };
    i.and_then(|i| u8::try_from(i).ok())
}

impl Code {
    pub fn of(s: &Signal, municipalities: &mut Interner, controls: &mut Interner) -> Code {
        let f = Fact::of_signal(s);
        let mut single = [0u8; 4];
        for (i, d) in SINGLE.iter().enumerate() {
            single[i] = f
                .category(*d)
                .and_then(|c| category_index(*d, c))
                .unwrap_or(0);
        }
        let mut multi = [0u32; 4];
        for (i, d) in MULTI.iter().enumerate() {
            for (x, c) in &f.categories {
                if x == d {
                    if let Some(b) = category_index(*d, c).filter(|&b| b < 32) {
                        multi[i] |= 1 << b;
                    }
                }
            }
        }
        Code {
            date: f.date,
            kind: f.kind,
            municipality: municipalities.id(&f.municipality),
            control: s
                .control_id
                .as_deref()
                .map_or(NO_CONTROL, |c| controls.id(c)),
            single,
            multi,
            recorded_days: i32::try_from((s.recorded_at - s.observed_at).num_days())
                .unwrap_or(i32::MAX),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nationality_groups() {
        fn check(input: Option<&str>, expected: NationalityGroup) {
            assert_eq!(NationalityGroup::of(input), expected, "{input:?}");
        }
        use NationalityGroup::*;
        check(None, Unknown);
        check(Some(""), Unknown);
        check(Some(" Onbekend "), Unknown);
        check(Some("Nederlandse"), Nl);
        check(Some("NL"), Nl);
        check(Some("Pools"), Eu);
        check(Some("Roemeense"), Eu);
        check(Some("BG"), Eu);
        check(Some("Bulgaria"), Eu);
        check(Some("Oekraïens"), OutsideEu);
        check(Some("Nigeriaanse"), OutsideEu);
        check(Some("Marokkaans"), OutsideEu);
    }

    /// `category_index` (no allocation) gives the positions of `Dim::categories`.
    #[test]
    fn category_positions_are_those_of_the_category_lists() {
        for d in Dim::SIGNAL.iter().chain(&Dim::CASE) {
            for (i, (k, _)) in d.categories().iter().enumerate() {
                assert_eq!(category_index(*d, k), Some(i as u8), "{d:?} {k}");
            }
            assert_eq!(category_index(*d, "bestaat-niet"), None, "{d:?}");
        }
    }

    #[test]
    fn every_dimension_has_a_unique_id() {
        let all = [
            Dim::SIGNAL.as_slice(),
            Dim::CASE.as_slice(),
            &[Dim::ControlType, Dim::ControlSignals],
        ]
        .concat();
        let ids: std::collections::BTreeSet<_> = all.iter().map(|d| d.id()).collect();
        assert_eq!(ids.len(), all.len());
    }
}
