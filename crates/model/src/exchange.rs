//! Exchange between devices: device identity, the regional directory, bundles, outbox, inbox.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::{CaseShare, Decision, Disposition, LegalBasis, Profile, Signal};

/// Role of a participant in the regional directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParticipantRole {
    Toezichthouder,
    Aandachtsfunctionaris,
    RegionaleTafel,
}

impl ParticipantRole {
    pub fn label(self) -> &'static str {
        match self {
            ParticipantRole::Toezichthouder => "Toezichthouder",
            ParticipantRole::Aandachtsfunctionaris => "Aandachtsfunctionaris mensenhandel",
            ParticipantRole::RegionaleTafel => "Regionale tafel",
        }
    }
}

/// One participant (a device) in the regional directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub id: String,
    pub municipality: String,
    pub role: ParticipantRole,
    pub display_name: String,
    /// Ed25519 public key, lowercase hex (32 bytes).
    pub signing_key: String,
    /// X25519 public key, lowercase hex (32 bytes).
    pub encryption_key: String,
    /// Revoked by the region (a lost laptop, someone who left): devices refuse its new
    /// bundles and do not send to it. Absent in the JSON when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub revoked: bool,
}

/// The regional directory: who takes part, with which public keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directory {
    pub region: String,
    /// Increases with every new edition; a device refuses an older one.
    pub version: u32,
    /// ISO 8601 date of issue.
    pub issued: String,
    pub participants: Vec<Participant>,
}

/// A directory as it travels: the exact JSON text of the [`Directory`], the region's root
/// public key, and the root's Ed25519 signature over `"zicht-directory-v1\0" ‖ directory`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedDirectory {
    pub directory: String,
    /// Ed25519 public key of the region root, lowercase hex.
    pub root_key: String,
    /// Signature, lowercase hex.
    pub signature: String,
}

/// This device's public identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceIdentity {
    pub signing_key: String,
    pub encryption_key: String,
    /// Six groups of five digits, to compare by phone.
    pub fingerprint: String,
}

/// What the device knows of its region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryStatus {
    pub region: String,
    pub version: u32,
    /// Fingerprint of the pinned region root key.
    pub root_fingerprint: String,
    pub participants: Vec<Participant>,
    /// This device's own entry, if the directory lists it.
    pub me: Option<Participant>,
}

/// A directory file checked but not imported: what the user must confirm before the region's
/// root key is pinned on this device (trust on first use, compared by phone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryPreview {
    pub region: String,
    pub version: u32,
    /// Fingerprint of the root key that signed it (six groups of five digits); empty until a
    /// root is pinned (the first one is typed by the user, not copied from here).
    pub root_fingerprint: String,
    /// True when this device already trusts that root (no confirmation needed).
    pub pinned: bool,
    /// True when the app's configuration names the region root's fingerprint
    /// (`ZICHT_REGION_ROOT`): the first import is checked against it, with no prompt.
    #[serde(default)]
    pub root_preconfigured: bool,
    pub participants: usize,
    /// This device's own entry, if the directory lists it.
    pub me: Option<Participant>,
}

/// What a bundle carries (the plaintext inside the encryption).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundlePayload {
    /// Payload format version.
    pub version: u32,
    pub sent_at: NaiveDateTime,
    pub sender: Profile,
    pub signals: Vec<Signal>,
    /// Why this may be shared outside the municipality (required for the regional table and
    /// for recipients in another municipality).
    #[serde(default)]
    pub legal_basis: Option<LegalBasis>,
    /// A case sent to the regional table.
    #[serde(default)]
    pub case: Option<CaseShare>,
    /// The regional table's decision, sent back to the municipality.
    #[serde(default)]
    pub decision: Option<Decision>,
    /// A municipality's figures for the regional monitor (counts only).
    #[serde(default)]
    pub monitor: Option<MonitorShare>,
}

/// One municipality's counts for the regional monitor (*aard en omvang*): per month, record
/// kind, breakdown and category a number, raw (the table adds the municipalities up and only
/// then protects small numbers). Never a record, an id or a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorShare {
    pub municipality: String,
    /// First and last month, `YYYY-MM`.
    pub from: String,
    pub to: String,
    pub cells: Vec<MonitorCell>,
}

/// One count: `record` is `adviesvraag`, `signaal`, `casus` or `controle`; `dim` a breakdown
/// id (empty for the number of records itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorCell {
    pub month: String,
    pub record: String,
    pub dim: String,
    pub category: String,
    pub count: u64,
}

/// What a bundle carries, for the rule of who may send it ([`PayloadKind::senders`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadKind {
    /// Signals only (from an inspector or an officer; feedback from an officer).
    Signals,
    /// A case for the regional table.
    Case,
    /// The regional table's decision on a case.
    Decision,
    /// A municipality's figures for the regional monitor.
    Monitor,
}

impl PayloadKind {
    /// The directory roles that may send a payload of this kind: a decision only the regional
    /// table, a case only an attention officer, signals an inspector or an attention officer.
    pub fn senders(self) -> &'static [ParticipantRole] {
        match self {
            PayloadKind::Signals => &[
                ParticipantRole::Toezichthouder,
                ParticipantRole::Aandachtsfunctionaris,
            ],
            PayloadKind::Case => &[ParticipantRole::Aandachtsfunctionaris],
            PayloadKind::Decision => &[ParticipantRole::RegionaleTafel],
            PayloadKind::Monitor => &[ParticipantRole::Aandachtsfunctionaris],
        }
    }

    /// Dutch plural, for messages and the audit trail: "signalen", "casussen", "besluiten".
    pub fn label(self) -> &'static str {
        match self {
            PayloadKind::Signals => "signalen",
            PayloadKind::Case => "casussen",
            PayloadKind::Decision => "besluiten",
            PayloadKind::Monitor => "cijfers",
        }
    }
}

impl BundlePayload {
    /// What this payload carries: figures, else a decision, else a case, else signals.
    pub fn kind(&self) -> PayloadKind {
        if self.monitor.is_some() {
            PayloadKind::Monitor
        } else if self.decision.is_some() {
            PayloadKind::Decision
        } else if self.case.is_some() {
            PayloadKind::Case
        } else {
            PayloadKind::Signals
        }
    }
}

/// State of an outgoing bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OutboxState {
    /// Waiting for the endpoint (or only exported to a file).
    Wacht,
    /// The endpoint returned a valid signed receipt.
    Verzonden { receipt_at: NaiveDateTime },
    /// The endpoint refused it for good.
    Fout { reason: String },
}

/// An outgoing bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxItem {
    /// Content id of the bundle (lowercase hex).
    pub id: String,
    pub created_at: NaiveDateTime,
    /// Display names of the recipients.
    pub recipients: Vec<String>,
    pub signal_ids: Vec<String>,
    pub size: u64,
    pub state: OutboxState,
    pub attempts: u32,
    /// When it was last saved as a `.zicht` file (to carry to the recipient), if ever.
    #[serde(default)]
    pub exported_at: Option<NaiveDateTime>,
}

/// A received, verified bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxItem {
    pub id: String,
    pub received_at: NaiveDateTime,
    /// The sender as the directory lists it.
    pub sender: Participant,
    pub payload: BundlePayload,
    /// What the receiver did with it.
    #[serde(default = "nieuw")]
    pub disposition: Disposition,
    /// At the regional table: the decision sent back for the case in this bundle.
    #[serde(default)]
    pub answered: Option<Decision>,
}

fn nieuw() -> Disposition {
    Disposition::Nieuw
}

/// Result of importing a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportResult {
    pub id: String,
    /// False when this bundle was imported before (nothing changed).
    pub new: bool,
    pub sender: String,
    pub signals: usize,
}

/// Connection state with the regional endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// No endpoint configured: exchange by file only.
    NietIngesteld,
    /// Configured but this device is not enrolled.
    NietAangemeld,
    /// Configured and enrolled, no round yet.
    Wacht,
    /// The last round reached the endpoint.
    Online,
    /// The last round could not reach it (nothing is lost; it retries).
    Offline,
    /// The device clock differs too much from the endpoint's.
    KlokAfwijking,
    /// The endpoint's receipt did not verify under the pinned key.
    OngeldigeOntvangstbevestiging,
    Fout,
}

impl SyncState {
    pub fn label(self) -> &'static str {
        match self {
            SyncState::NietIngesteld => "Niet ingesteld (uitwisselen via bestanden)",
            SyncState::NietAangemeld => "Niet aangemeld",
            SyncState::Wacht => "Wacht op eerste verbinding",
            SyncState::Online => "Verbonden",
            SyncState::Offline => "Geen verbinding",
            SyncState::KlokAfwijking => "Klok wijkt af",
            SyncState::OngeldigeOntvangstbevestiging => "Ongeldige ontvangstbevestiging",
            SyncState::Fout => "Fout",
        }
    }
}

/// The result of the last sync round, for the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncStatus {
    pub state: SyncState,
    /// Dutch explanation.
    pub message: String,
    pub at: Option<NaiveDateTime>,
    pub sent: usize,
    pub received: usize,
    pub rejected: usize,
}

impl SyncStatus {
    pub fn not_configured() -> Self {
        SyncStatus {
            state: SyncState::NietIngesteld,
            message:
                "Er is geen regionaal knooppunt ingesteld; gebruik bestanden om uit te wisselen."
                    .into(),
            at: None,
            sent: 0,
            received: 0,
            rejected: 0,
        }
    }
}
