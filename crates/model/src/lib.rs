//! Serde types shared by the Zicht UI (compiled to wasm32) and the core (native).
//!
//! No I/O and no logic beyond small, total helpers (labels, parsing of enum names).
//! Dutch terms of art stay Dutch: *signaal* (signal), *controle* (field control),
//! *signaalkaart* (indicator card), *meldroute* (reporting route).

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

pub mod cards;
pub mod route;

pub use cards::*;
pub use route::*;

/// Maximum length of the free-text observation, in characters.
pub const MAX_OBSERVATION_CHARS: usize = 10_000;
/// Maximum length of short free-text fields (location, labels, names), in characters.
pub const MAX_SHORT_CHARS: usize = 200;
/// Minimum passphrase length, in characters.
pub const MIN_PASSPHRASE_CHARS: usize = 12;
/// Maximum number of persons on one signal.
pub const MAX_PERSONS: usize = 50;

/// Declares a plain enum with a stable snake_case wire name and a Dutch label.
macro_rules! labelled_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $wire:literal, $label:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $wire)] $variant,)+
        }
        impl $name {
            /// Every variant, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];
            /// Dutch label for the user interface.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }
            /// Stable wire name (as serialised).
            pub fn wire(self) -> &'static str {
                match self { $($name::$variant => $wire,)+ }
            }
            /// Parses a wire name; `None` for anything else.
            pub fn from_wire(s: &str) -> Option<Self> {
                match s { $($wire => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

labelled_enum! {
    /// The two kinds of record a signal can be (monitoring counts them separately).
    RecordKind {
        Signaal => "signaal", "Signaal";
        Adviesvraag => "adviesvraag", "Adviesvraag";
    }
}

labelled_enum! {
    /// Forms of exploitation (art. 273f Sr). `Onbekend` is a valid answer.
    Form {
        Seksueel => "seksueel", "Seksuele uitbuiting";
        Arbeid => "arbeid", "Arbeidsuitbuiting";
        Crimineel => "crimineel", "Criminele uitbuiting";
        Orgaan => "orgaan", "Gedwongen orgaanverwijdering";
        Onbekend => "onbekend", "Onbekend";
    }
}

labelled_enum! {
    /// Risk sectors.
    Sector {
        Vakantiepark => "vakantiepark", "Vakantiepark";
        Kamerverhuur => "kamerverhuur", "Kamerverhuur / arbeidsmigrantenhuisvesting";
        Uitzendbureau => "uitzendbureau", "Uitzendbureau";
        Horeca => "horeca", "Hotel en horeca";
        Agrarisch => "agrarisch", "Land- en tuinbouw";
        Distributie => "distributie", "Distributie en logistiek";
        Bouw => "bouw", "Bouw";
        Schoonmaak => "schoonmaak", "Schoonmaak";
        NagelstudioCarwash => "nagelstudio_carwash", "Nagelstudio / car wash";
        Sekswerk => "sekswerk", "Sekswerk (vergund, illegaal, online)";
        Woningcorporatie => "woningcorporatie", "Woningcorporatie";
        Onderwijs => "onderwijs", "School / onderwijs";
        Azc => "azc", "Asielzoekerscentrum";
        Overig => "overig", "Overig / onbekend";
    }
}

labelled_enum! {
    /// Where a signal came from (control type or channel).
    Source {
        IntegraleControle => "integrale_controle", "Integrale controle";
        BranchegerichteControle => "branchegerichte_controle", "Branchegerichte controle";
        Huisbezoek => "huisbezoek", "Huisbezoek";
        BrpAdrescontrole => "brp_adrescontrole", "BRP-adrescontrole";
        Balie => "balie", "Balie / publiekscontact";
        Consulent => "consulent", "Consulent Wmo / jeugd / participatie";
        Collega => "collega", "Collega";
        MeldMisdaadAnoniem => "meld_misdaad_anoniem", "Meld Misdaad Anoniem";
        MeldpuntOndermijning => "meldpunt_ondermijning", "Meldpunt ondermijning";
        Partner => "partner", "Ketenpartner";
        Burger => "burger", "Burger / buurtbewoner";
        Overig => "overig", "Overig";
    }
}

labelled_enum! {
    /// Type of field control (controle).
    ControlType {
        IntegraleControle => "integrale_controle", "Integrale controle";
        BranchegerichteControle => "branchegerichte_controle", "Branchegerichte controle";
        Huisbezoek => "huisbezoek", "Huisbezoek";
        BrpAdrescontrole => "brp_adrescontrole", "BRP-adrescontrole";
        Overig => "overig", "Overige controle";
    }
}

impl ControlType {
    /// The signal source a control of this type implies.
    pub fn source(self) -> Source {
        match self {
            ControlType::IntegraleControle => Source::IntegraleControle,
            ControlType::BranchegerichteControle => Source::BranchegerichteControle,
            ControlType::Huisbezoek => Source::Huisbezoek,
            ControlType::BrpAdrescontrole => Source::BrpAdrescontrole,
            ControlType::Overig => Source::Overig,
        }
    }
}

labelled_enum! {
    /// Partners present at a control.
    ControlPartner {
        Politie => "politie", "Politie";
        Arbeidsinspectie => "arbeidsinspectie", "Nederlandse Arbeidsinspectie";
        Omgevingsdienst => "omgevingsdienst", "Omgevingsdienst";
        Belastingdienst => "belastingdienst", "Belastingdienst";
        Brandweer => "brandweer", "Brandweer";
        Kmar => "kmar", "Koninklijke Marechaussee";
        Ggd => "ggd", "GGD";
        Woningcorporatie => "woningcorporatie", "Woningcorporatie";
    }
}

labelled_enum! {
    /// How urgent a signal is.
    Urgency {
        AcuutGevaar => "acuut_gevaar", "Acuut gevaar";
        Urgent => "urgent", "Urgent";
        Normaal => "normaal", "Normaal";
    }
}

labelled_enum! {
    /// Processing status of a signal.
    SignalStatus {
        Nieuw => "nieuw", "Nieuw";
        InBehandeling => "in_behandeling", "In behandeling";
        Doorgeleid => "doorgeleid", "Doorgeleid";
        Afgesloten => "afgesloten", "Afgesloten";
    }
}

labelled_enum! {
    /// Suspected role of a person in a signal.
    PersonRole {
        Slachtoffer => "slachtoffer", "Vermoedelijk slachtoffer";
        Dader => "dader", "Vermoedelijk dader";
        Getuige => "getuige", "Getuige";
        Onbekend => "onbekend", "Onbekend";
    }
}

labelled_enum! {
    /// Age band of a person (no dates of birth are recorded).
    AgeBand {
        Onder14 => "0-13", "Jonger dan 14";
        Van14Tot17 => "14-17", "14 - 17 jaar";
        Van18Tot23 => "18-23", "18 - 23 jaar";
        Van24Tot27 => "24-27", "24 - 27 jaar";
        Van28Tot40 => "28-40", "28 - 40 jaar";
        Van41Tot65 => "41-65", "41 - 65 jaar";
        Boven65 => "65+", "Ouder dan 65";
        Onbekend => "onbekend", "Onbekend";
    }
}

impl AgeBand {
    /// True when every age in the band is under 18.
    pub fn is_minor(self) -> bool {
        matches!(self, AgeBand::Onder14 | AgeBand::Van14Tot17)
    }
    /// True when every age in the band is 18 or over.
    pub fn is_adult(self) -> bool {
        !self.is_minor() && self != AgeBand::Onbekend
    }
}

labelled_enum! {
    /// Role of the person using this device.
    Role {
        Toezichthouder => "toezichthouder", "Toezichthouder / handhaver";
        Aandachtsfunctionaris => "aandachtsfunctionaris", "Aandachtsfunctionaris mensenhandel";
        RegionaleTafel => "regionale_tafel", "Regionale tafel (coördinator)";
    }
}

/// A pseudonymous person in a signal: never a name, a label like "P1".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub label: String,
    pub role: PersonRole,
    pub age_band: AgeBand,
    /// Minor flag: may be set when the exact age band is unknown.
    pub minor: bool,
    #[serde(default)]
    pub nationality: Option<String>,
}

impl Person {
    /// Whether this person is (known or flagged to be) under 18.
    pub fn involves_minor(&self) -> bool {
        self.minor || self.age_band.is_minor()
    }
}

/// A place: free text plus optional coordinates.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Location {
    pub description: String,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
}

/// What the user enters for a new signal. The core validates it and fills in the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalInput {
    pub kind: RecordKind,
    /// Local wall-clock time of the observation. `None` inside a control: the control's start.
    #[serde(default)]
    pub observed_at: Option<NaiveDateTime>,
    /// `None` inside a control: the control's type.
    #[serde(default)]
    pub source: Option<Source>,
    pub sector: Option<Sector>,
    /// Empty inside a control: the control's location.
    #[serde(default)]
    pub location: Location,
    pub forms: Vec<Form>,
    /// Indicator ids from the active card set.
    pub indicators: Vec<String>,
    pub observation: String,
    #[serde(default)]
    pub persons: Vec<Person>,
    pub urgency: Urgency,
    /// The control this signal was recorded in, if any.
    #[serde(default)]
    pub control_id: Option<String>,
}

impl Default for SignalInput {
    fn default() -> Self {
        SignalInput {
            kind: RecordKind::Signaal,
            observed_at: None,
            source: None,
            sector: None,
            location: Location::default(),
            forms: Vec::new(),
            indicators: Vec::new(),
            observation: String::new(),
            persons: Vec::new(),
            urgency: Urgency::Normaal,
            control_id: None,
        }
    }
}

/// A recorded signal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    /// UUID v7, as text.
    pub id: String,
    pub kind: RecordKind,
    pub observed_at: NaiveDateTime,
    pub recorded_at: NaiveDateTime,
    /// Display name of the profile that recorded it.
    pub recorded_by: String,
    pub municipality: String,
    pub source: Source,
    pub sector: Sector,
    pub location: Location,
    pub forms: Vec<Form>,
    /// Version of the card set the indicator ids refer to.
    pub card_set_version: u32,
    pub indicators: Vec<String>,
    pub observation: String,
    pub persons: Vec<Person>,
    pub urgency: Urgency,
    pub status: SignalStatus,
    #[serde(default)]
    pub case_id: Option<String>,
    #[serde(default)]
    pub control_id: Option<String>,
    /// Date after which the record must be purged (for a signal in a case: the case decides).
    pub retention_until: chrono::NaiveDate,
    /// Set when the signal was received from another device and accepted.
    #[serde(default)]
    pub received_from: Option<String>,
}

impl Signal {
    pub fn involves_minor(&self) -> bool {
        self.persons.iter().any(Person::involves_minor)
    }
}

/// A signal with the meldroute advice computed for it (returned after saving).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedSignal {
    pub signal: Signal,
    pub advice: Vec<AdviceStep>,
}

/// One row of the signal list (no observation text: that stays in the detail view).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalSummary {
    pub id: String,
    pub kind: RecordKind,
    pub observed_at: NaiveDateTime,
    pub sector: Sector,
    pub forms: Vec<Form>,
    pub location: String,
    pub urgency: Urgency,
    pub status: SignalStatus,
    pub indicator_count: usize,
}

/// Filter for the signal list. Every field is optional; all given fields must match.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SignalFilter {
    #[serde(default)]
    pub form: Option<Form>,
    #[serde(default)]
    pub sector: Option<Sector>,
    #[serde(default)]
    pub status: Option<SignalStatus>,
    /// Inclusive start date of the observation period.
    #[serde(default)]
    pub from: Option<chrono::NaiveDate>,
    /// Inclusive end date of the observation period.
    #[serde(default)]
    pub to: Option<chrono::NaiveDate>,
    /// Case-insensitive text searched in observation and location.
    #[serde(default)]
    pub text: Option<String>,
    /// Only signals of this control.
    #[serde(default)]
    pub control_id: Option<String>,
}

/// Input to start a field control.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlInput {
    pub kind: ControlType,
    /// Defaults to now.
    #[serde(default)]
    pub started_at: Option<NaiveDateTime>,
    pub location: Location,
    #[serde(default)]
    pub partners: Vec<ControlPartner>,
}

/// A field control (controle).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Control {
    pub id: String,
    pub kind: ControlType,
    pub started_at: NaiveDateTime,
    #[serde(default)]
    pub ended_at: Option<NaiveDateTime>,
    pub location: Location,
    pub partners: Vec<ControlPartner>,
    pub recorded_by: String,
}

/// The user of this device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
    pub role: Role,
    pub municipality: String,
}

/// First-run setup.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct SetupInput {
    pub name: String,
    pub role: Role,
    pub municipality: String,
    pub passphrase: String,
    pub passphrase_repeat: String,
}

impl std::fmt::Debug for SetupInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the passphrase or the name.
        f.debug_struct("SetupInput")
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// A change of passphrase (Instellingen): the current one, the new one twice.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct PassphraseChange {
    pub current: String,
    pub passphrase: String,
    pub passphrase_repeat: String,
}

impl std::fmt::Debug for PassphraseChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print a passphrase.
        f.debug_struct("PassphraseChange").finish_non_exhaustive()
    }
}

/// User settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Lock after this many idle minutes (1..=240).
    pub idle_lock_minutes: u32,
    /// Retention terms (bewaartermijnen).
    #[serde(default)]
    pub retention: Retention,
    /// The monitor shows counts from 1 up to this minus one as `<5` (this value in place of
    /// 5); at least [`MIN_SMALL_CELL_THRESHOLD`].
    #[serde(default = "default_small_cell_threshold")]
    pub small_cell_threshold: u64,
}

fn default_small_cell_threshold() -> u64 {
    DEFAULT_SMALL_CELL_THRESHOLD
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            idle_lock_minutes: 10,
            retention: Retention::default(),
            small_cell_threshold: DEFAULT_SMALL_CELL_THRESHOLD,
        }
    }
}

/// Where the app is: needs first-run setup, locked, or unlocked for a profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // one value per status call, never stored in bulk
pub enum AppStatus {
    NeedsSetup,
    Locked,
    Unlocked {
        profile: Profile,
        active_control: Option<Control>,
    },
}

/// A municipality and the region it belongs to (for first-run setup).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Region {
    pub id: String,
    pub name: String,
    pub municipalities: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_for_every_enum() {
        for f in Form::ALL {
            assert_eq!(Form::from_wire(f.wire()), Some(*f));
            let json = serde_json::to_string(f).unwrap();
            assert_eq!(json, format!("\"{}\"", f.wire()));
        }
        for s in Sector::ALL {
            assert_eq!(Sector::from_wire(s.wire()), Some(*s));
        }
        assert_eq!(Form::from_wire("nonsense"), None);
    }

    #[test]
    fn age_bands_classify_minors() {
        assert!(AgeBand::Van14Tot17.is_minor());
        assert!(!AgeBand::Onbekend.is_minor());
        assert!(!AgeBand::Onbekend.is_adult());
        assert!(AgeBand::Van18Tot23.is_adult());
    }
}

pub mod case;
pub mod error;
pub mod exchange;
pub mod monitor;
pub use case::*;
pub use error::*;
pub use exchange::*;
pub use monitor::*;
