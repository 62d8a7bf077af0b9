//! [`Zicht`]: one device's store and session. Locked, it holds only the sled handle; unlocked,
//! it also holds the data key, the profile, the active card set and meldroute, and the
//! in-memory search index. Locking drops all of them.
//!
//! Time is passed in (`now`) by the caller: nothing here reads the clock.

use crate::crypto::{self, DataKey, KeyWrap};
use crate::error::{CoreError, Result};
use crate::identity::StoredKeys;
use crate::index::Index;
use crate::kv::Kv;
use crate::retention::signal_deadline;
use crate::validate::{self, SignalContext};
use crate::vault::Vault;
use crate::{assets, cards, route};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use std::path::Path;
use uuid::Uuid;
use zeroize::Zeroize;
use zicht_model::*;

/// The current time, with the user's UTC offset (wall time for records, instant for delays).
pub type Now = DateTime<FixedOffset>;

/// Version of the on-disk layout. A store with a higher version is refused untouched.
pub const SCHEMA_VERSION: u32 = 1;

const META: &str = "meta";
const STATE: &str = "state";
const PROFILE: &str = "profile";
const CARDSETS: &str = "cardsets";
const ROUTES: &str = "routes";
const ROUTE_VERSIONS: &str = "route_versions";
const SIGNALS: &str = "signals";
const CONTROLS: &str = "controls";
const DRAFTS: &str = "drafts";
pub(crate) const IDENTITY: &str = "identity";

/// Failed unlock attempts and the earliest moment of the next one (plaintext: no secret in it).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct UnlockGuard {
    failures: u32,
    not_before: i64,
}

/// Delay after `failures` consecutive wrong passphrases: none for the first two, then 5 s,
/// doubling, at most 5 minutes.
pub fn unlock_delay_secs(failures: u32) -> i64 {
    if failures < 3 {
        0
    } else {
        (5i64 << (failures - 3).min(10)).min(300)
    }
}

pub(crate) struct Session {
    pub(crate) key: DataKey,
    pub(crate) profile: Profile,
    pub(crate) settings: Settings,
    pub(crate) cards: CardSet,
    pub(crate) route: Route,
    pub(crate) index: Index,
    last_activity: i64,
    pub(crate) keys: StoredKeys,
}

pub struct Zicht {
    pub(crate) kv: Kv,
    pub(crate) session: Option<Session>,
    /// Set by tests only ([`Zicht::fail_audit_for_tests`]): every audit entry fails to be
    /// written, as on a failing disk.
    fail_audit: std::sync::atomic::AtomicBool,
}

fn be(v: u32) -> [u8; 4] {
    v.to_be_bytes()
}

pub(crate) fn parse_id(id: &str) -> Result<[u8; 16]> {
    Uuid::parse_str(id)
        .map(|u| *u.as_bytes())
        .map_err(|_| CoreError::NotFound)
}

pub(crate) fn new_id(now: &Now) -> Uuid {
    let ts = uuid::Timestamp::from_unix(
        uuid::NoContext,
        now.timestamp().max(0) as u64,
        now.timestamp_subsec_nanos(),
    );
    Uuid::new_v7(ts)
}

impl Zicht {
    /// Opens the store in `dir` (creating it if needed). Refuses a store written by a newer
    /// version of Zicht without changing it.
    pub fn open(dir: &Path) -> Result<Zicht> {
        let kv = Kv::open(dir)?;
        match kv.get(META, b"schema_version")? {
            None => {}
            Some(v) => {
                let found =
                    u32::from_be_bytes(v.as_slice().try_into().map_err(|_| CoreError::Corrupt)?);
                if found > SCHEMA_VERSION {
                    return Err(CoreError::NewerSchema {
                        found,
                        supported: SCHEMA_VERSION,
                    });
                }
            }
        }
        Ok(Zicht {
            kv,
            session: None,
            fail_audit: Default::default(),
        })
    }

    fn keywrap(&self) -> Result<Option<KeyWrap>> {
        match self.kv.get(META, b"keywrap")? {
            None => Ok(None),
            Some(b) => serde_json::from_slice(&b)
                .map(Some)
                .map_err(|_| CoreError::Corrupt),
        }
    }

    pub fn is_set_up(&self) -> Result<bool> {
        Ok(self.keywrap()?.is_some())
    }

    pub fn is_unlocked(&self) -> bool {
        self.session.is_some()
    }

    pub fn status(&self) -> Result<AppStatus> {
        Ok(match &self.session {
            Some(s) => AppStatus::Unlocked {
                profile: s.profile.clone(),
                active_control: self.active_control()?,
            },
            None if self.is_set_up()? => AppStatus::Locked,
            None => AppStatus::NeedsSetup,
        })
    }

    pub(crate) fn session(&self) -> Result<&Session> {
        self.session.as_ref().ok_or(CoreError::Locked)
    }

    pub(crate) fn vault(&self) -> Result<Vault<'_>> {
        Ok(Vault::new(&self.kv, &self.session()?.key))
    }

    /// First run: makes the data key, wraps it under the passphrase, stores the profile and
    /// imports the default card set and meldroute. Leaves the store unlocked.
    pub fn setup(&mut self, mut input: SetupInput, now: Now) -> Result<Profile> {
        let r = self.setup_inner(&input, now);
        input.passphrase.zeroize();
        input.passphrase_repeat.zeroize();
        r
    }

    fn setup_inner(&mut self, input: &SetupInput, now: Now) -> Result<Profile> {
        if self.is_set_up()? {
            return Err(CoreError::AlreadySetUp);
        }
        validate::check_setup(input, &assets::municipalities()?)?;
        let cards = cards::parse_card_set(assets::CARD_SET)?;
        let mut route = route::parse_route(assets::ROUTE_TEMPLATE)?;
        route.municipality = input.municipality.clone();
        let profile = Profile {
            name: input.name.trim().into(),
            role: input.role,
            municipality: input.municipality.clone(),
        };
        let key = DataKey::generate()?;
        let wrap = crypto::wrap(&key, &input.passphrase)?;
        let keys = StoredKeys::generate()?;
        {
            let v = Vault::new(&self.kv, &key);
            v.put(IDENTITY, b"device", &keys)?;
            v.put(PROFILE, b"profile", &profile)?;
            v.put(STATE, b"settings", &Settings::default())?;
            v.put(CARDSETS, &be(cards.version), &cards)?;
            v.put(STATE, b"active_cardset", &cards.version)?;
            v.put(ROUTES, &be(route.version), &route)?;
            v.put(STATE, b"active_route", &route.version)?;
        }
        self.kv
            .insert(META, b"schema_version", &be(SCHEMA_VERSION))?;
        // The key wrap goes last: a store without it counts as not set up, so a crash during
        // setup leaves a store that setup can run on again.
        self.kv.insert(
            META,
            b"keywrap",
            &serde_json::to_vec(&wrap).map_err(|_| CoreError::Corrupt)?,
        )?;
        self.kv.sync_all_files()?;
        tracing::info!(role = profile.role.wire(), "store set up");
        self.session = Some(Session {
            key,
            profile: profile.clone(),
            settings: Settings::default(),
            cards,
            route,
            index: Index::default(),
            last_activity: now.timestamp(),
            keys,
        });
        self.audit(
            now,
            AuditAction::Setup,
            AuditSubject::Device,
            None,
            profile.role.label(),
        )?;
        self.kv.sync()?;
        Ok(profile)
    }

    fn guard(&self) -> Result<UnlockGuard> {
        Ok(match self.kv.get(META, b"unlock_guard")? {
            None => UnlockGuard::default(),
            Some(b) => serde_json::from_slice(&b).unwrap_or_default(),
        })
    }

    fn set_guard(&self, g: &UnlockGuard) -> Result<()> {
        self.kv.insert(
            META,
            b"unlock_guard",
            &serde_json::to_vec(g).map_err(|_| CoreError::Corrupt)?,
        )?;
        self.kv.sync()
    }

    /// Unlocks with the passphrase. After repeated failures, attempts are refused (without
    /// trying the passphrase) until the delay has passed; the count survives restarts.
    pub fn unlock(&mut self, mut passphrase: String, now: Now) -> Result<Profile> {
        let r = self.unlock_inner(&passphrase, now);
        passphrase.zeroize();
        r
    }

    fn unlock_inner(&mut self, passphrase: &str, now: Now) -> Result<Profile> {
        // A session still open (e.g. a lock request that has not arrived yet) is not a reason to
        // accept any passphrase: lock, then unlock properly.
        self.lock();
        let wrap = self.keywrap()?.ok_or(CoreError::NotSetUp)?;
        let mut guard = self.guard()?;
        let t = now.timestamp();
        // A clock set back must not lock the user out for longer than the delay itself.
        if guard.not_before - t > unlock_delay_secs(guard.failures) {
            guard.not_before = t + unlock_delay_secs(guard.failures);
        }
        if t < guard.not_before {
            return Err(CoreError::TooManyAttempts((guard.not_before - t) as u64));
        }
        let key = match crypto::unwrap(&wrap, passphrase) {
            Ok(k) => k,
            Err(CoreError::WrongPassphrase) => {
                guard.failures = guard.failures.saturating_add(1);
                guard.not_before = t + unlock_delay_secs(guard.failures);
                self.set_guard(&guard)?;
                tracing::warn!(failures = guard.failures, "unlock refused");
                return Err(CoreError::WrongPassphrase);
            }
            Err(e) => return Err(e),
        };
        if guard.failures > 0 {
            self.set_guard(&UnlockGuard::default())?;
        }
        let session = self.load_session(key, t)?;
        let profile = session.profile.clone();
        self.session = Some(session);
        tracing::info!(
            signals = self.session.as_ref().map_or(0, |s| s.index.len()),
            "unlocked"
        );
        // Retention runs at every unlock (once a day). A failure must not keep the user out.
        if let Err(e) = self.purge_if_due(now) {
            tracing::warn!(code = e.code(), "retention purge failed");
        }
        Ok(profile)
    }

    fn load_session(&self, key: DataKey, t: i64) -> Result<Session> {
        let v = Vault::new(&self.kv, &key);
        let profile: Profile = v.get(PROFILE, b"profile")?.ok_or(CoreError::Corrupt)?;
        let settings: Settings = v.get(STATE, b"settings")?.unwrap_or_default();
        let cv: u32 = v.get(STATE, b"active_cardset")?.ok_or(CoreError::Corrupt)?;
        let cards: CardSet = v.get(CARDSETS, &be(cv))?.ok_or(CoreError::Corrupt)?;
        let rv: u32 = v.get(STATE, b"active_route")?.ok_or(CoreError::Corrupt)?;
        let route: Route = v.get(ROUTES, &be(rv))?.ok_or(CoreError::Corrupt)?;
        let mut index = Index::default();
        v.for_each(SIGNALS, |_, s: Signal| {
            index.upsert(&s);
            Ok(())
        })?;
        let keys: StoredKeys = v.get(IDENTITY, b"device")?.ok_or(CoreError::Corrupt)?;
        Ok(Session {
            keys,
            key,
            profile,
            settings,
            cards,
            route,
            index,
            last_activity: t,
        })
    }

    /// Makes every file of the store durable (at exit).
    pub fn close(&mut self) -> Result<()> {
        self.lock();
        self.kv.sync_all_files()
    }

    /// Locks: drops the data key (zeroed), the profile and the index.
    pub fn lock(&mut self) {
        if self.session.take().is_some() {
            tracing::info!("locked");
        }
    }

    /// Records user activity (for the idle lock).
    pub fn touch(&mut self, now: Now) {
        if let Some(s) = &mut self.session {
            s.last_activity = s.last_activity.max(now.timestamp());
        }
    }

    /// Locks when the user has been idle longer than the setting, measured on the wall clock
    /// from the last [`Zicht::touch`]. Returns whether it locked.
    pub fn lock_if_idle(&mut self, now: Now) -> bool {
        let idle = match &self.session {
            Some(s) => now.timestamp().saturating_sub(s.last_activity).max(0) as u64,
            None => return false,
        };
        self.lock_if_idle_for(std::time::Duration::from_secs(idle))
    }

    /// Locks when `idle`, the time since the user's last action as the caller measured it, is
    /// at least the setting. The app measures it on a monotonic clock, so setting the system
    /// clock (e.g. a sync after days offline) neither locks at once nor keeps the app open.
    pub fn lock_if_idle_for(&mut self, idle: std::time::Duration) -> bool {
        let due = self.session.as_ref().is_some_and(|s| {
            idle >= std::time::Duration::from_secs(u64::from(s.settings.idle_lock_minutes) * 60)
        });
        if due {
            self.lock();
        }
        due
    }

    pub fn profile(&self) -> Result<Profile> {
        Ok(self.session()?.profile.clone())
    }

    pub fn settings(&self) -> Result<Settings> {
        Ok(self.session()?.settings.clone())
    }

    pub fn set_settings(&mut self, settings: Settings, now: Now) -> Result<Settings> {
        validate::check_settings(&settings)?;
        self.vault()?.put(STATE, b"settings", &settings)?;
        let r = settings.retention;
        let detail = format!(
            "vergrendelen na {} min; bewaartermijnen adviesvraag {}, signaal {}, afgesloten casus {} maanden",
            settings.idle_lock_minutes, r.adviesvraag_months, r.signaal_months, r.closed_case_months
        );
        self.audit(
            now,
            AuditAction::Change,
            AuditSubject::Settings,
            None,
            &detail,
        )?;
        self.kv.sync()?;
        if let Some(s) = &mut self.session {
            s.settings = settings.clone();
        }
        Ok(settings)
    }

    /// The active card set.
    pub fn card_set(&self) -> Result<&CardSet> {
        Ok(&self.session()?.cards)
    }

    /// A stored card set by version (signals keep the version they were recorded with).
    pub fn card_set_version(&self, version: u32) -> Result<CardSet> {
        let s = self.session()?;
        if s.cards.version == version {
            return Ok(s.cards.clone());
        }
        self.vault()?
            .get(CARDSETS, &be(version))?
            .ok_or(CoreError::NotFound)
    }

    /// Imports a newer card set and makes it active; older versions stay stored.
    pub fn import_card_set(&mut self, json: &str) -> Result<u32> {
        let set = cards::parse_card_set(json)?;
        if set.version <= self.session()?.cards.version {
            return Err(CoreError::InvalidContent(format!(
                "version {} is not newer than the active set",
                set.version
            )));
        }
        let v = self.vault()?;
        v.put(CARDSETS, &be(set.version), &set)?;
        v.put(STATE, b"active_cardset", &set.version)?;
        self.kv.sync()?;
        let version = set.version;
        if let Some(s) = &mut self.session {
            s.cards = set;
        }
        Ok(version)
    }

    pub fn search_cards(&self, query: &str) -> Result<Vec<CardHit>> {
        Ok(cards::search(&self.session()?.cards, query))
    }

    /// The municipality's meldroute.
    pub fn route(&self) -> Result<&Route> {
        Ok(&self.session()?.route)
    }

    /// Saves an edited meldroute as a new version after validating it (no unreachable step,
    /// every contact reachable, 112 / Veilig Thuis / attention officer where the law and the
    /// plans require them). Earlier versions stay stored. Durable on return.
    pub fn save_route(&mut self, mut route: Route, now: Now) -> Result<Route> {
        let s = self.session()?;
        if s.profile.role != Role::Aandachtsfunctionaris {
            return Err(CoreError::NotOfficer);
        }
        route.municipality = s.profile.municipality.clone();
        for c in &mut route.contacts {
            c.id = c.id.trim().into();
            c.name = c.name.trim().into();
            for o in [&mut c.phone, &mut c.email, &mut c.hours] {
                if o.as_deref().is_some_and(|x| x.trim().is_empty()) {
                    *o = None;
                }
            }
        }
        route::validate_route(&route)?;
        if route.contacts == s.route.contacts && route.rules == s.route.rules {
            return Ok(s.route.clone());
        }
        route.version = s.route.version + 1;
        let meta = RouteVersion {
            version: route.version,
            saved_at: Some(now.naive_local()),
            saved_by: Some(s.profile.name.clone()),
        };
        let v = self.vault()?;
        v.put(ROUTES, &be(route.version), &route)?;
        v.put(ROUTE_VERSIONS, &be(route.version), &meta)?;
        v.put(STATE, b"active_route", &route.version)?;
        self.audit(
            now,
            AuditAction::Change,
            AuditSubject::Route,
            None,
            &format!("versie {}", route.version),
        )?;
        self.kv.sync()?;
        if let Some(s) = &mut self.session {
            s.route = route.clone();
        }
        tracing::info!(version = route.version, "meldroute saved");
        Ok(route)
    }

    /// Every stored version of the meldroute, newest first.
    pub fn route_versions(&self) -> Result<Vec<RouteVersion>> {
        let v = self.vault()?;
        let mut out = Vec::new();
        v.for_each(ROUTES, |k, r: Route| {
            let meta: Option<RouteVersion> = v.get(ROUTE_VERSIONS, k)?;
            out.push(meta.unwrap_or(RouteVersion {
                version: r.version,
                saved_at: None,
                saved_by: None,
            }));
            Ok(())
        })?;
        out.reverse();
        Ok(out)
    }

    /// The meldroute advice for a signal (indicator categories from the card set version the
    /// signal was recorded with).
    pub fn advice(&self, signal: &Signal) -> Result<Vec<AdviceStep>> {
        let s = self.session()?;
        if s.cards.version == signal.card_set_version {
            return Ok(route::advise(&s.route, signal, Some(&s.cards)));
        }
        let cards = self.card_set_version(signal.card_set_version).ok();
        Ok(route::advise(&s.route, signal, cards.as_ref()))
    }

    // ---- controls ------------------------------------------------------------------------

    pub fn active_control(&self) -> Result<Option<Control>> {
        let Some(s) = &self.session else {
            return Ok(None);
        };
        let v = Vault::new(&self.kv, &s.key);
        match v.get::<String>(STATE, b"active_control")? {
            None => Ok(None),
            Some(id) => v.get(CONTROLS, &parse_id(&id)?),
        }
    }

    /// Starts a field control. Only one can be active.
    pub fn start_control(&mut self, input: ControlInput, now: Now) -> Result<Control> {
        self.session()?;
        validate::check_control(&input, now.naive_local())?;
        if self.active_control()?.is_some() {
            return Err(CoreError::ControlActive);
        }
        let id = new_id(&now);
        let control = Control {
            id: id.to_string(),
            kind: input.kind,
            started_at: input.started_at.unwrap_or(now.naive_local()),
            ended_at: None,
            location: Location {
                description: input.location.description.trim().into(),
                ..input.location
            },
            partners: input.partners,
            recorded_by: self.session()?.profile.name.clone(),
        };
        let v = self.vault()?;
        v.put(CONTROLS, id.as_bytes(), &control)?;
        v.put(STATE, b"active_control", &control.id)?;
        v.sync()?;
        Ok(control)
    }

    pub fn end_control(&mut self, id: &str, now: Now) -> Result<Control> {
        let key = parse_id(id)?;
        let v = self.vault()?;
        let mut c: Control = v.get(CONTROLS, &key)?.ok_or(CoreError::NotFound)?;
        if c.ended_at.is_some() {
            return Err(CoreError::ControlEnded);
        }
        c.ended_at = Some(now.naive_local().max(c.started_at));
        v.put(CONTROLS, &key, &c)?;
        if v.get::<String>(STATE, b"active_control")?.as_deref() == Some(id) {
            v.remove(STATE, b"active_control")?;
        }
        v.sync()?;
        Ok(c)
    }

    /// Every control, newest first.
    pub fn controls(&self) -> Result<Vec<Control>> {
        let mut out = Vec::new();
        self.vault()?.for_each(CONTROLS, |_, c: Control| {
            out.push(c);
            Ok(())
        })?;
        out.reverse();
        Ok(out)
    }

    // ---- signals -------------------------------------------------------------------------

    /// Validates and stores a signal. Returns only once the signal is durable (see
    /// [`Kv::sync`]), together with the meldroute advice for it.
    pub fn record_signal(&mut self, input: SignalInput, now: Now) -> Result<SavedSignal> {
        let s = self.session()?;
        let control = match &input.control_id {
            Some(id) => match parse_id(id) {
                Ok(k) => self.vault()?.get::<Control>(CONTROLS, &k)?,
                Err(_) => None,
            },
            None => None,
        };
        let ctx = SignalContext {
            now: now.naive_local(),
            cards: &s.cards,
            control: control.as_ref(),
            profile: &s.profile,
        };
        let mut signal = validate::build_signal(&input, &ctx)?;
        let id = new_id(&now);
        signal.id = id.to_string();
        signal.retention_until = signal_deadline(
            signal.kind,
            signal.observed_at.date(),
            &s.settings.retention,
        );
        let v = self.vault()?;
        v.put(SIGNALS, id.as_bytes(), &signal)?;
        self.audit(
            now,
            AuditAction::Create,
            AuditSubject::Signal,
            Some(&signal.id),
            signal.kind.label(),
        )?;
        v.sync()?;
        let advice = self.advice(&signal)?;
        if let Some(s) = &mut self.session {
            s.index.upsert(&signal);
        }
        tracing::info!(
            kind = signal.kind.wire(),
            indicators = signal.indicators.len(),
            "signal recorded"
        );
        Ok(SavedSignal { signal, advice })
    }

    /// Stores many signals with one durable sync at the end (imports, benchmarks).
    pub fn record_signals_batch(&mut self, inputs: Vec<SignalInput>, now: Now) -> Result<usize> {
        let mut n = 0;
        for input in inputs {
            let s = self.session()?;
            let ctx = SignalContext {
                now: now.naive_local(),
                cards: &s.cards,
                control: None,
                profile: &s.profile,
            };
            let mut signal = validate::build_signal(&input, &ctx)?;
            let id = new_id(&now);
            signal.id = id.to_string();
            signal.retention_until = signal_deadline(
                signal.kind,
                signal.observed_at.date(),
                &s.settings.retention,
            );
            self.vault()?.put(SIGNALS, id.as_bytes(), &signal)?;
            self.audit(
                now,
                AuditAction::Create,
                AuditSubject::Signal,
                Some(&signal.id),
                signal.kind.label(),
            )?;
            if let Some(s) = &mut self.session {
                s.index.upsert(&signal);
            }
            n += 1;
        }
        self.kv.sync()?;
        Ok(n)
    }

    /// A stored signal; `retention_until` is its own deadline under the current settings
    /// (for a signal in a case, the case's deadline applies).
    pub fn signal(&self, id: &str) -> Result<Signal> {
        let mut s: Signal = self
            .vault()?
            .get(SIGNALS, &parse_id(id)?)?
            .ok_or(CoreError::NotFound)?;
        s.retention_until = signal_deadline(
            s.kind,
            s.observed_at.date(),
            &self.session()?.settings.retention,
        );
        Ok(s)
    }

    /// A signal with its current meldroute advice.
    pub fn signal_with_advice(&self, id: &str) -> Result<SavedSignal> {
        let signal = self.signal(id)?;
        let advice = self.advice(&signal)?;
        Ok(SavedSignal { signal, advice })
    }

    /// What the detail screen shows: the signal with advice; the view is audited.
    pub fn view_signal(&self, id: &str, now: Now) -> Result<SavedSignal> {
        let saved = self.signal_with_advice(id)?;
        self.audit_view(now, AuditSubject::Signal, &saved.signal.id)?;
        Ok(saved)
    }

    /// Writes a changed signal and updates the index (the caller syncs).
    pub(crate) fn put_signal(&mut self, s: &Signal) -> Result<()> {
        self.vault()?.put(SIGNALS, &parse_id(&s.id)?, s)?;
        if let Some(session) = &mut self.session {
            session.index.upsert(s);
        }
        Ok(())
    }

    /// Signals matching the filter, newest observation first (from the in-memory index).
    pub fn list_signals(&self, filter: &SignalFilter) -> Result<Vec<SignalSummary>> {
        Ok(self.session()?.index.query(filter))
    }

    // ---- drafts --------------------------------------------------------------------------

    /// Saves the signal being typed (encrypted, durable): drafts are never lost.
    pub fn save_draft(&self, draft: &SignalInput) -> Result<()> {
        let v = self.vault()?;
        v.put(DRAFTS, b"signal", draft)?;
        v.sync()
    }

    pub fn load_draft(&self) -> Result<Option<SignalInput>> {
        self.vault()?.get(DRAFTS, b"signal")
    }

    pub fn clear_draft(&self) -> Result<()> {
        let v = self.vault()?;
        v.remove(DRAFTS, b"signal")?;
        v.sync()
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        self.kv.dir()
    }

    /// Makes every audit entry fail to be written from now on (`on`) or no longer, as a failing
    /// disk would: for tests of what an operation leaves behind when it cannot be recorded.
    #[doc(hidden)]
    pub fn fail_audit_for_tests(&self, on: bool) {
        self.fail_audit
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }

    pub(crate) fn audit_fails(&self) -> bool {
        self.fail_audit.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Raw access for tests of the encrypted layer (model tests).
    #[doc(hidden)]
    pub fn vault_for_tests(&self) -> Result<Vault<'_>> {
        self.vault()
    }
}
