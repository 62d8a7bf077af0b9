//! The on-disk layout: every sled tree and every fixed key the core uses, in one place.
//!
//! A store is one sled database in the data directory. Keys are never encrypted, so a key is
//! always a fixed name, a big-endian number, a UUID or a bundle id: never personal data.
//! Values are sealed by [`crate::vault::Vault`] (AES-256-GCM under the data key, with
//! `tree ‖ 0 ‖ key` as associated data, so a value cannot be moved to another slot), except in
//! the tree `meta`, which must be readable before the passphrase is known.
//!
//! | tree | key | value |
//! |---|---|---|
//! | `meta` (plaintext) | `schema_version` | `u32` big-endian: [`SCHEMA_VERSION`] |
//! | | `keywrap` | JSON `KeyWrap`: the data key wrapped under the passphrase; written last at setup, so its absence means "not set up" |
//! | | `unlock_guard` | JSON [`UnlockGuard`]: failed unlock attempts (no secret in it) |
//! | `identity` | `device` | `StoredKeys`: the device's Ed25519 and X25519 keys |
//! | `profile` | `profile` | `Profile` |
//! | `state` | `settings` | `Settings` |
//! | | `active_cardset`, `active_route` | `u32`: versions in `cardsets` / `routes` |
//! | | `active_control` | `String`: id of the running control |
//! | | `audit_head` | [`AuditHead`]: last seq and hash of the audit chain |
//! | | `audit_anchor` | `zicht_protocol::Anchor`: the head the endpoint last countersigned |
//! | | `last_purge`, `last_purge_day` | `PurgeReport`, `NaiveDate` |
//! | | `directory`, `region_root` | `SignedDirectory`, the pinned root key (`[u8; 32]`) |
//! | | `endpoint` | [`EndpointConfig`]: the regional endpoint, cursor, deferred envelopes |
//! | `drafts` | `signal`, `saved_at` | `SignalInput` being typed, when it was last saved |
//! | `monitor` | `ledger` | `Ledger`: anonymous per-month counts of purged records (no ids, no text) |
//! | `signals`, `controls`, `cases` | UUID (16 bytes) | `Signal`, `Control`, `Case` |
//! | `cardsets`, `routes`, `route_versions` | version, `u32` big-endian | `CardSet`, `Route`, `RouteVersion` |
//! | `audit` | seq, `u64` big-endian, from 1 | `AuditEntry` |
//! | `outbox`, `outbox_data` | bundle id (32 bytes) | `OutboxItem`, the sealed bundle bytes |
//! | `inbox` | bundle id (32 bytes) | `InboxItem` |
//! | `tombstones` | bundle id (32 bytes) | `NaiveDate` the received bundle was purged (no content) |
//! | `regional_monitor` | municipality, lower case | `RegionalEntry`: a municipality's shared counts per month (the table's device) |
//! | `receipts` | envelope id (hex, as bytes) | `Receipt` from the endpoint |
//!
//! Architecture Invariant: no other file spells a tree name or a fixed key; they name the
//! constants below. [`Tree`] and [`Slot`] carry the type of their values, so a record can only
//! be read as what was written there.

use serde::{Deserialize, Serialize};
use std::marker::PhantomData;
use zicht_model::*;

/// Version of the on-disk layout. A store with a higher version is refused untouched.
pub const SCHEMA_VERSION: u32 = 1;

/// A sled tree whose values are `T` (sealed, except in `meta`).
pub(crate) struct Tree<T> {
    pub(crate) name: &'static str,
    _values: PhantomData<fn() -> T>,
}

/// One fixed key in a tree, holding a `T`.
pub(crate) struct Slot<T> {
    pub(crate) tree: &'static str,
    pub(crate) key: &'static [u8],
    _value: PhantomData<fn() -> T>,
}

const fn tree<T>(name: &'static str) -> Tree<T> {
    Tree {
        name,
        _values: PhantomData,
    }
}

const fn slot<T>(tree: &'static str, key: &'static [u8]) -> Slot<T> {
    Slot {
        tree,
        key,
        _value: PhantomData,
    }
}

/// Raw bytes (a value that is not JSON: a sealed bundle).
pub(crate) struct Raw;

/// Failed unlock attempts and the earliest moment of the next one (plaintext: no secret in it).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub(crate) struct UnlockGuard {
    pub(crate) failures: u32,
    pub(crate) not_before: i64,
}

/// Last seq and hash of the audit chain.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct AuditHead {
    pub seq: u64,
    pub hash: String,
}

/// Where this device's endpoint is and what it has done there (sealed in the store).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct EndpointConfig {
    /// Base URL, e.g. `http://127.0.0.1:7878`.
    pub url: String,
    /// The endpoint's Ed25519 key, pinned at configuration (64 hex).
    pub endpoint_key: String,
    pub enrolled: bool,
    /// Inbox cursor: every envelope listed up to this sequence number is imported, rejected,
    /// gone or in `deferred`.
    pub cursor: u64,
    /// Envelope ids imported but not yet acknowledged at the endpoint.
    pub to_ack: Vec<String>,
    /// Envelopes that could not be imported yet (sender not in the directory, or no
    /// directory): kept at the endpoint, skipped when listing, and fetched again by id once a
    /// newer directory is in. Oldest first, at most `sync::MAX_DEFERRED`.
    #[serde(default)]
    pub deferred: Vec<Deferred>,
    pub last: Option<SyncStatus>,
}

/// An envelope waiting for a newer directory (see [`EndpointConfig::deferred`]).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Deferred {
    pub id: String,
    /// The directory version it last failed with (0: no directory).
    pub directory_version: u32,
    /// When it was first deferred (unix seconds; 0 in stores from before this was kept).
    #[serde(default)]
    pub since: i64,
    /// The envelope's sender key id (hex; empty in stores from before this was kept).
    #[serde(default)]
    pub sender: String,
}

// ---- meta (plaintext) -------------------------------------------------------------------

pub(crate) const META: &str = "meta";
/// `u32` big-endian (not JSON): read before anything else.
pub(crate) const META_SCHEMA_VERSION: Slot<u32> = slot(META, b"schema_version");
pub(crate) const META_KEYWRAP: Slot<crate::crypto::KeyWrap> = slot(META, b"keywrap");
pub(crate) const META_UNLOCK_GUARD: Slot<UnlockGuard> = slot(META, b"unlock_guard");

// ---- sealed slots ---------------------------------------------------------------------

const STATE: &str = "state";

pub(crate) const DEVICE_KEYS: Slot<crate::identity::StoredKeys> = slot("identity", b"device");
pub(crate) const PROFILE: Slot<Profile> = slot("profile", b"profile");
pub(crate) const SETTINGS: Slot<Settings> = slot(STATE, b"settings");
pub(crate) const ACTIVE_CARDSET: Slot<u32> = slot(STATE, b"active_cardset");
pub(crate) const ACTIVE_ROUTE: Slot<u32> = slot(STATE, b"active_route");
pub(crate) const ACTIVE_CONTROL: Slot<String> = slot(STATE, b"active_control");
pub(crate) const AUDIT_HEAD: Slot<AuditHead> = slot(STATE, b"audit_head");
pub(crate) const AUDIT_ANCHOR: Slot<zicht_protocol::Anchor> = slot(STATE, b"audit_anchor");
pub(crate) const MONITOR_LEDGER: Slot<crate::ledger::Ledger> = slot("monitor", b"ledger");
pub(crate) const LAST_PURGE: Slot<PurgeReport> = slot(STATE, b"last_purge");
pub(crate) const LAST_PURGE_DAY: Slot<chrono::NaiveDate> = slot(STATE, b"last_purge_day");
pub(crate) const DIRECTORY: Slot<SignedDirectory> = slot(STATE, b"directory");
pub(crate) const REGION_ROOT: Slot<[u8; 32]> = slot(STATE, b"region_root");
pub(crate) const ENDPOINT: Slot<EndpointConfig> = slot(STATE, b"endpoint");
pub(crate) const DRAFT: Slot<SignalInput> = slot("drafts", b"signal");
/// When the draft was last saved (its retention term counts from then).
pub(crate) const DRAFT_SAVED_AT: Slot<chrono::NaiveDateTime> = slot("drafts", b"saved_at");

// ---- sealed trees ---------------------------------------------------------------------

pub(crate) const SIGNALS: Tree<Signal> = tree("signals");
pub(crate) const CONTROLS: Tree<Control> = tree("controls");
pub(crate) const CASES: Tree<Case> = tree("cases");
pub(crate) const CARDSETS: Tree<CardSet> = tree("cardsets");
pub(crate) const ROUTES: Tree<Route> = tree("routes");
pub(crate) const ROUTE_VERSIONS: Tree<RouteVersion> = tree("route_versions");
pub(crate) const AUDIT: Tree<AuditEntry> = tree("audit");
pub(crate) const OUTBOX: Tree<OutboxItem> = tree("outbox");
pub(crate) const OUTBOX_DATA: Tree<Raw> = tree("outbox_data");
pub(crate) const INBOX: Tree<InboxItem> = tree("inbox");
/// The day a received bundle was purged, so that a copy delivered again is not taken back in.
pub(crate) const TOMBSTONES: Tree<chrono::NaiveDate> = tree("tombstones");
pub(crate) const RECEIPTS: Tree<zicht_protocol::Receipt> = tree("receipts");
pub(crate) const REGIONAL: Tree<crate::monitor::regional::RegionalEntry> = tree("regional_monitor");

/// The key of a versioned record (`cardsets`, `routes`, `route_versions`).
pub(crate) fn version_key(v: u32) -> [u8; 4] {
    v.to_be_bytes()
}
