//! The attention officer's work (issue "Zicht 3"): incoming signals, cases (casussen) with
//! notes, weighing and route steps, the legal basis of every onward report, the regional
//! table's decision, the audit trail and retention.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::{AdviceStep, Participant, Signal};

/// Longest free text on a case (note, motivation, explanation, outcome).
pub const MAX_NOTE_CHARS: usize = 5_000;

labelled_enum! {
    /// Status of a case. The allowed transitions are in [`CaseStatus::can_become`].
    CaseStatus {
        Open => "open", "Open";
        InBehandeling => "in_behandeling", "In behandeling";
        DoorgeleidTafel => "doorgeleid_tafel", "Doorgeleid naar regionale tafel";
        BesluitOntvangen => "besluit_ontvangen", "Besluit ontvangen";
        Afgesloten => "afgesloten", "Afgesloten";
    }
}

/// How a status change may happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    /// The user may set it directly.
    Direct,
    /// Only by forwarding the case to the regional table, with a legal basis.
    ViaForward,
    /// Only by receiving the table's decision.
    ViaDecision,
    /// Not allowed.
    Refused,
}

impl CaseStatus {
    /// The state table of a case:
    ///
    /// | from \ to | open | in_behandeling | doorgeleid_tafel | besluit_ontvangen | afgesloten |
    /// |---|---|---|---|---|---|
    /// | open | – | direct | via forward | – | direct |
    /// | in_behandeling | – | – | via forward | – | direct |
    /// | doorgeleid_tafel | – | – | – | via decision | – |
    /// | besluit_ontvangen | – | direct | – | – | direct |
    /// | afgesloten | – | direct (heropend) | – | – | – |
    pub fn can_become(self, to: CaseStatus) -> Transition {
        use CaseStatus::*;
        match (self, to) {
            (Open, InBehandeling) | (Open, Afgesloten) => Transition::Direct,
            (Open, DoorgeleidTafel) | (InBehandeling, DoorgeleidTafel) => Transition::ViaForward,
            (InBehandeling, Afgesloten) => Transition::Direct,
            (DoorgeleidTafel, BesluitOntvangen) => Transition::ViaDecision,
            (BesluitOntvangen, InBehandeling) | (BesluitOntvangen, Afgesloten) => {
                Transition::Direct
            }
            (Afgesloten, InBehandeling) => Transition::Direct,
            _ => Transition::Refused,
        }
    }
}

labelled_enum! {
    /// The weighing of the suspicion of human trafficking.
    Suspicion {
        Geen => "geen", "Geen vermoeden";
        Zwak => "zwak", "Zwak vermoeden";
        Versterkt => "versterkt", "Versterkt vermoeden";
        Sterk => "sterk", "Sterk vermoeden";
    }
}

labelled_enum! {
    /// The legal ground for sharing data outside the municipality.
    LegalBasisKind {
        Toestemming => "toestemming", "Schriftelijke toestemming van de betrokkene";
        Zorgplicht => "zorgplicht", "Zorgplicht (Wmo 2015 / Jeugdwet)";
        Convenant => "convenant", "Privacyconvenant van de regionale tafel";
        AcuutGevaar => "acuut_gevaar", "Acuut gevaar (vitaal belang van de betrokkene)";
        WettelijkeTaak => "wettelijke_taak", "Wettelijke taak of meldplicht (bijv. Veilig Thuis)";
    }
}

labelled_enum! {
    /// Which parts of a signal go into an onward report (need to know).
    ShareField {
        Observatie => "observatie", "Waarneming (vrije tekst)";
        Personen => "personen", "Betrokken personen (labels, leeftijd, rol)";
        Locatie => "locatie", "Locatie";
        Indicatoren => "indicatoren", "Aangevinkte indicatoren";
        Verrijking => "verrijking", "Verrijkingsnotities van de casus";
    }
}

/// What the user enters to justify sharing data outside the municipality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalBasisInput {
    pub kind: Option<LegalBasisKind>,
    /// Why this basis applies here (required).
    pub explanation: String,
}

/// A recorded legal basis: travels inside the bundle and is shown to the recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalBasis {
    pub kind: LegalBasisKind,
    pub explanation: String,
    /// Which fields were shared; the others were left out of the bundle.
    pub fields: Vec<ShareField>,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

/// An enrichment note (verrijking).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseNote {
    pub at: NaiveDateTime,
    pub author: String,
    pub text: String,
}

/// The weighing of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weging {
    pub level: Suspicion,
    pub motivation: String,
    pub at: NaiveDateTime,
    pub author: String,
}

/// What kind of entry a timeline line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Contact with someone from the meldroute.
    Contact,
    /// The case was sent to the regional table.
    Tafel,
    /// The table's decision arrived.
    Besluit,
    /// A status change.
    Status,
}

/// One line in a case's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteStep {
    pub kind: StepKind,
    pub at: NaiveDateTime,
    pub by: String,
    /// Meldroute contact id (for `Contact`), or the participant id (for `Tafel`).
    #[serde(default)]
    pub contact_id: Option<String>,
    /// To whom, readable.
    pub to: String,
    /// Why.
    pub reason: String,
    /// What came of it (may be filled in later).
    #[serde(default)]
    pub outcome: Option<String>,
    /// Present whenever the step shared data outside the municipality.
    #[serde(default)]
    pub legal_basis: Option<LegalBasis>,
}

labelled_enum! {
    /// The regional table's decision on the track.
    Track {
        Zorgtraject => "zorgtraject", "Zorgtraject";
        ZorgEnStrafrecht => "zorg_en_strafrecht", "Zorg- en strafrechtelijk traject";
        Ondermijning => "ondermijning", "Ondermijning: doorgeleid naar RIEC-informatieplein";
        GeenVervolg => "geen_vervolg", "Geen vervolg";
    }
}

/// The regional table's decision on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// The case id on the municipality's device.
    pub case_id: String,
    pub track: Track,
    pub explanation: String,
    pub decided_at: NaiveDateTime,
    pub decided_by: String,
}

/// A case (casus): one or more signals the attention officer works on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// UUID v7, as text.
    pub id: String,
    /// A short, non-identifying working title (e.g. "Chalets Zonnedauw").
    pub title: String,
    pub municipality: String,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    pub status: CaseStatus,
    /// Acute: monodisciplinary intervention first, then inform the table. Shown first.
    pub acute: bool,
    pub signal_ids: Vec<String>,
    pub notes: Vec<CaseNote>,
    #[serde(default)]
    pub weging: Option<Weging>,
    /// The timeline, oldest first.
    pub steps: Vec<RouteStep>,
    #[serde(default)]
    pub decision: Option<Decision>,
    #[serde(default)]
    pub closed_at: Option<NaiveDateTime>,
}

/// One row of the case list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseSummary {
    pub id: String,
    pub title: String,
    pub status: CaseStatus,
    pub acute: bool,
    pub signals: usize,
    pub created_at: NaiveDateTime,
    pub last_activity: NaiveDateTime,
    #[serde(default)]
    pub weging: Option<Suspicion>,
    #[serde(default)]
    pub track: Option<Track>,
    /// Retention deadline (only once the case is closed).
    #[serde(default)]
    pub retention_until: Option<NaiveDate>,
}

/// A meldroute advice line on a case, with whether the step was already taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseAdvice {
    pub step: AdviceStep,
    /// When a step to this contact was recorded, if it was.
    #[serde(default)]
    pub taken_at: Option<NaiveDateTime>,
    /// Whether recording this step needs a legal basis (the contact is outside the
    /// municipality).
    pub external: bool,
}

/// A case with everything the detail screen shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseDetail {
    pub case: Case,
    pub signals: Vec<Signal>,
    pub advice: Vec<CaseAdvice>,
    /// Statuses the user can choose directly from here.
    pub next_statuses: Vec<CaseStatus>,
    #[serde(default)]
    pub retention_until: Option<NaiveDate>,
}

/// Input to create a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseInput {
    pub title: String,
    pub signal_ids: Vec<String>,
    #[serde(default)]
    pub acute: bool,
}

/// Input to record a route step (a contact from the meldroute).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepInput {
    pub contact_id: String,
    pub reason: String,
    #[serde(default)]
    pub outcome: Option<String>,
    /// Required when the contact is outside the municipality.
    #[serde(default)]
    pub legal_basis: Option<LegalBasisInput>,
    /// Fields shared with the contact (need to know); used with a legal basis.
    #[serde(default)]
    pub fields: Vec<ShareField>,
}

/// Input to forward a case to the regional table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForwardInput {
    /// Directory ids of the recipients (the table, optionally a back-up officer).
    pub recipient_ids: Vec<String>,
    /// Which of the case's signals go along.
    pub signal_ids: Vec<String>,
    /// Which fields of them go along.
    pub fields: Vec<ShareField>,
    pub legal_basis: LegalBasisInput,
    pub reason: String,
}

/// The part of a case that travels to the regional table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseShare {
    pub case_id: String,
    pub title: String,
    pub municipality: String,
    pub acute: bool,
    #[serde(default)]
    pub weging: Option<Weging>,
    /// Only when [`ShareField::Verrijking`] was chosen.
    #[serde(default)]
    pub notes: Vec<CaseNote>,
}

// ---- incoming -------------------------------------------------------------------------------

/// What the officer did with a received bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Disposition {
    Nieuw,
    Geaccepteerd {
        at: NaiveDateTime,
        by: String,
    },
    NietRelevant {
        at: NaiveDateTime,
        by: String,
        reason: String,
    },
}

/// A received bundle as the "binnengekomen" list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncomingSummary {
    pub id: String,
    pub received_at: NaiveDateTime,
    pub sender: Participant,
    pub sent_at: NaiveDateTime,
    pub signals: usize,
    pub disposition: Disposition,
    /// The bundle carries a case for the regional table.
    pub case_title: Option<String>,
    pub acute: bool,
    /// The bundle carries the table's decision.
    pub decision: Option<Track>,
    /// For a case at the table: the decision sent back, if any.
    #[serde(default)]
    pub answered: Option<Track>,
}

// ---- the regional table ---------------------------------------------------------------------

/// Input for the table's decision on a received case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionInput {
    pub track: Option<Track>,
    pub explanation: String,
}

// ---- audit ----------------------------------------------------------------------------------

labelled_enum! {
    /// What happened, in the audit trail.
    AuditAction {
        Create => "create", "Aangemaakt";
        View => "view", "Ingezien";
        Change => "change", "Gewijzigd";
        Export => "export", "Geëxporteerd";
        Send => "send", "Verzonden";
        Receive => "receive", "Ontvangen";
        Refuse => "refuse", "Geweigerd";
        Purge => "purge", "Verwijderd (bewaartermijn)";
        Setup => "setup", "Ingericht";
    }
}

labelled_enum! {
    /// Which kind of record an audit entry is about.
    AuditSubject {
        Signal => "signal", "Signaal";
        Case => "case", "Casus";
        Bundle => "bundle", "Bundel";
        Route => "route", "Meldroute";
        Settings => "settings", "Instellingen";
        Audit => "audit", "Auditlog";
        Device => "device", "Apparaat";
        Control => "control", "Controle";
        Directory => "directory", "Deelnemersoverzicht";
        Monitor => "monitor", "Aard en omvang";
    }
}

/// One entry of the audit trail. `hash` = SHA-256 over `prev` and the entry's other fields
/// (see the core's `audit` module). Never holds personal data of the people in a signal: the
/// detail is a fixed phrase, a status or a count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    pub seq: u64,
    pub at: NaiveDateTime,
    /// Display name of the user of this device.
    pub actor: String,
    pub action: AuditAction,
    pub subject: AuditSubject,
    /// Record id (UUID or bundle id); not personal.
    #[serde(default)]
    pub record: Option<String>,
    /// Short detail without personal data, e.g. "status open → in_behandeling".
    #[serde(default)]
    pub detail: String,
    /// Hash of the previous entry (hex), zeros for the first.
    pub prev: String,
    /// Hash of this entry (hex).
    pub hash: String,
}

/// The result of checking the audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditVerification {
    pub entries: u64,
    /// `None` when the chain is intact; else the first position (seq) that is wrong.
    pub broken_at: Option<u64>,
    /// Dutch explanation.
    pub message: String,
}

// ---- retention ------------------------------------------------------------------------------

/// Retention terms in months, per record kind. The municipality's privacy officer decides
/// them; the defaults are in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retention {
    /// Adviesvraag (question for advice), counted from the observation.
    pub adviesvraag_months: u32,
    /// Signal that is not part of a case, counted from the observation.
    pub signaal_months: u32,
    /// Closed case with its signals, counted from closing.
    pub closed_case_months: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            adviesvraag_months: 12,
            signaal_months: 24,
            closed_case_months: 60,
        }
    }
}

/// Bounds on a retention term, in months.
pub const RETENTION_MONTHS: std::ops::RangeInclusive<u32> = 1..=120;

/// What a purge run removed (counts only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeReport {
    pub at: Option<NaiveDateTime>,
    pub signals: usize,
    pub adviesvragen: usize,
    pub cases: usize,
    pub received: usize,
    pub sent: usize,
    /// Field controls (place, partners) past their term.
    #[serde(default)]
    pub controls: usize,
    /// A draft signal left unsaved past its term.
    #[serde(default)]
    pub drafts: usize,
}

impl PurgeReport {
    pub fn total(&self) -> usize {
        self.signals
            + self.adviesvragen
            + self.cases
            + self.received
            + self.sent
            + self.controls
            + self.drafts
    }
}

/// A saved version of the meldroute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteVersion {
    pub version: u32,
    #[serde(default)]
    pub saved_at: Option<NaiveDateTime>,
    #[serde(default)]
    pub saved_by: Option<String>,
}
