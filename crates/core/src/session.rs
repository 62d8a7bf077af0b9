//! [`Zicht`]: one device's store and session. Locked, it holds only the sled handle; unlocked,
//! it also holds the data key, the profile, the active card set and meldroute, and the
//! in-memory search index. Locking drops all of them.
//!
//! This module opens, sets up, unlocks and locks the store (also when idle). The rest of
//! `Zicht`'s methods live with their domain: [`crate::signals`], [`crate::catalog`],
//! [`crate::case`], [`crate::region`], [`crate::outbox`], [`crate::inbox`],
//! [`crate::incoming`], [`crate::housekeeping`] and [`crate::sync`].
//!
//! Time is passed in (`now`) by the caller: nothing here reads the clock.

use crate::audit;
use crate::crypto::{self, DataKey, KdfPolicy, KeyWrap};
use crate::error::{CoreError, Result};
use crate::identity::StoredKeys;
use crate::ids::Now;
use crate::index::Index;
use crate::kv::Kv;
use crate::retention;
use crate::schema::*;
use crate::vault::Vault;
use crate::{assets, cards, route, validate};
use std::path::Path;
use std::time::Duration;
use zeroize::Zeroize;
use zicht_model::*;

/// Delay after `failures` consecutive wrong passphrases: none for the first two, then 5 s,
/// doubling, at most 5 minutes.
///
/// The count is kept in the store (`meta/unlock_guard`) until a right passphrase, and the delay
/// must pass on two clocks before the next attempt is even tried:
///
/// - the wall clock (`now`): the moment of the last failure plus the delay, kept in the store so
///   that it survives a restart (a clock set back shortens it to at most the delay itself);
/// - `uptime`, the time this process has been running as the shell measures it on a monotonic
///   clock: the delay counts from the last failure in this process, or, for failures from an
///   earlier run, from the start of this process.
///
/// So moving the system clock forward does not skip the wait, and neither does restarting the
/// app: each restart waits the full delay again. (An attacker who edits the store's files can
/// reset the count; against that, each guess also costs a full Argon2id derivation.)
pub fn unlock_delay_secs(failures: u32) -> i64 {
    if failures < 3 {
        0
    } else {
        (5i64 << (failures - 3).min(10)).min(300)
    }
}

/// What an unlocked store holds in memory.
pub(crate) struct Session {
    pub(crate) key: DataKey,
    pub(crate) profile: Profile,
    pub(crate) settings: Settings,
    pub(crate) cards: CardSet,
    pub(crate) route: Route,
    pub(crate) index: Index,
    last_activity: i64,
    pub(crate) keys: StoredKeys,
    /// The monitor's ledger, decoded once (it changes only in a purge, which clears this).
    pub(crate) ledger: std::cell::RefCell<Option<std::sync::Arc<crate::ledger::LedgerCounts>>>,
}

/// One device's store, and its session while unlocked.
pub struct Zicht {
    pub(crate) kv: Kv,
    pub(crate) session: Option<Session>,
    /// Key derivation for new wraps and the weakest one accepted ([`KdfPolicy::STANDARD`] in
    /// the app).
    kdf: KdfPolicy,
    /// `uptime` of the last wrong passphrase in this process (see [`unlock_delay_secs`]).
    last_failure_uptime: Option<Duration>,
    /// Set by tests only ([`Zicht::fail_audit_for_tests`]): every audit entry fails to be
    /// written, as on a failing disk.
    #[cfg(any(test, feature = "testing"))]
    fail_audit: std::sync::atomic::AtomicBool,
}

impl Zicht {
    /// Opens the store in `dir` (creating it if needed). Refuses a store written by a newer
    /// version of Zicht without changing it, and one whose key wrap is weaker than the minimum
    /// ([`CoreError::WeakKeyWrap`]).
    pub fn open(dir: &Path) -> Result<Zicht> {
        Zicht::open_with(dir, KdfPolicy::STANDARD)
    }

    pub(crate) fn open_with(dir: &Path, kdf: KdfPolicy) -> Result<Zicht> {
        let kv = Kv::open(dir)?;
        match kv.get(META_SCHEMA_VERSION.tree, META_SCHEMA_VERSION.key)? {
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
        if let Some(w) = kv.get_plain(&META_KEYWRAP)? {
            crypto::check_strength(&w, &kdf)?;
        }
        Ok(Zicht {
            kv,
            session: None,
            kdf,
            last_failure_uptime: None,
            #[cfg(any(test, feature = "testing"))]
            fail_audit: Default::default(),
        })
    }

    fn keywrap(&self) -> Result<Option<KeyWrap>> {
        self.kv.get_plain(&META_KEYWRAP)
    }

    pub(crate) fn is_set_up(&self) -> Result<bool> {
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
        let wrap = crypto::wrap(&key, &input.passphrase, self.kdf.new)?;
        let keys = StoredKeys::generate()?;
        {
            let v = Vault::new(&self.kv, &key);
            v.put(&DEVICE_KEYS, &keys)?;
            v.put(&PROFILE, &profile)?;
            v.put(&SETTINGS, &Settings::default())?;
            v.put_in(&CARDSETS, &version_key(cards.version), &cards)?;
            v.put(&ACTIVE_CARDSET, &cards.version)?;
            v.put_in(&ROUTES, &version_key(route.version), &route)?;
            v.put(&ACTIVE_ROUTE, &route.version)?;
            // Entry 1 of the audit chain, before the store counts as set up: a set-up store
            // without it is broken (audit.rs).
            audit::start(&v, &profile.name, now, profile.role.label())?;
        }
        self.kv.insert(
            META_SCHEMA_VERSION.tree,
            META_SCHEMA_VERSION.key,
            &SCHEMA_VERSION.to_be_bytes(),
        )?;
        // The key wrap goes last: a store without it counts as not set up, so a crash during
        // setup leaves a store that setup can run on again.
        self.kv.put_plain(&META_KEYWRAP, &wrap)?;
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
            ledger: Default::default(),
        });
        Ok(profile)
    }

    fn guard(&self) -> Result<UnlockGuard> {
        // An unreadable guard counts as no failures rather than keeping the user out.
        Ok(self
            .kv
            .get_plain(&META_UNLOCK_GUARD)
            .ok()
            .flatten()
            .unwrap_or_default())
    }

    fn set_guard(&self, g: &UnlockGuard) -> Result<()> {
        self.kv.put_plain(&META_UNLOCK_GUARD, g)?;
        self.kv.sync()
    }

    /// Unlocks with the passphrase. After repeated failures, attempts are refused (without
    /// trying the passphrase) until the delay has passed ([`unlock_delay_secs`]); the count
    /// survives restarts. `uptime` is how long this process has been running, measured on a
    /// monotonic clock by the shell. A store still wrapped with PBKDF2 (or weaker Argon2id
    /// parameters than today's) is rewrapped with Argon2id here, durably, and that is audited.
    pub fn unlock(
        &mut self,
        mut passphrase: String,
        now: Now,
        uptime: Duration,
    ) -> Result<Profile> {
        let r = self.unlock_inner(&passphrase, now, uptime);
        passphrase.zeroize();
        r
    }

    fn unlock_inner(&mut self, passphrase: &str, now: Now, uptime: Duration) -> Result<Profile> {
        // A session still open (e.g. a lock request that has not arrived yet) is not a reason to
        // accept any passphrase: lock, then unlock properly.
        self.lock();
        let wrap = self.keywrap()?.ok_or(CoreError::NotSetUp)?;
        crypto::check_strength(&wrap, &self.kdf)?;
        let key = self.unwrap_guarded(&wrap, passphrase, now, uptime)?;
        let upgraded = self.kdf.wants_rewrap(&wrap.kdf) && self.upgrade_wrap(&key, passphrase);
        let session = self.load_session(key, now)?;
        let profile = session.profile.clone();
        self.session = Some(session);
        tracing::info!(
            signals = self.session.as_ref().map_or(0, |s| s.index.len()),
            "unlocked"
        );
        if upgraded {
            let r = self
                .audit(
                    now,
                    AuditAction::Change,
                    AuditSubject::Device,
                    None,
                    "Sleutelafleiding bijgewerkt naar Argon2id",
                )
                .and_then(|()| self.kv.sync());
            if let Err(e) = r {
                tracing::warn!(
                    code = e.code().wire(),
                    "audit of the key wrap upgrade failed"
                );
            }
        }
        // Retention runs at every unlock (once a day). A failure must not keep the user out.
        if let Err(e) = self.purge_at_unlock(now) {
            tracing::warn!(code = e.code().wire(), "retention purge failed");
        }
        Ok(profile)
    }

    /// Unwraps the data key with `passphrase` under the failure delay: refuses without trying
    /// while the delay runs, counts a wrong passphrase, and resets the count on a right one.
    fn unwrap_guarded(
        &mut self,
        wrap: &KeyWrap,
        passphrase: &str,
        now: Now,
        uptime: Duration,
    ) -> Result<DataKey> {
        let mut guard = self.guard()?;
        let t = now.timestamp();
        let delay = unlock_delay_secs(guard.failures);
        // A clock set back must not lock the user out for longer than the delay itself.
        if guard.not_before - t > delay {
            guard.not_before = t + delay;
        }
        let wall = guard.not_before - t;
        let since = uptime.saturating_sub(self.last_failure_uptime.unwrap_or(Duration::ZERO));
        let monotonic = delay
            - i64::try_from(since.as_secs())
                .unwrap_or(i64::MAX)
                .min(delay);
        let wait = wall.max(monotonic);
        if wait > 0 {
            return Err(CoreError::TooManyAttempts(wait as u64));
        }
        match crypto::unwrap(wrap, passphrase) {
            Ok(key) => {
                self.last_failure_uptime = None;
                if guard.failures > 0 {
                    self.set_guard(&UnlockGuard::default())?;
                }
                Ok(key)
            }
            Err(CoreError::WrongPassphrase) => {
                guard.failures = guard.failures.saturating_add(1);
                guard.not_before = t + unlock_delay_secs(guard.failures);
                self.last_failure_uptime = Some(uptime);
                self.set_guard(&guard)?;
                tracing::warn!(failures = guard.failures, "passphrase refused");
                Err(CoreError::WrongPassphrase)
            }
            Err(e) => Err(e),
        }
    }

    /// Replaces the key wrap by one with today's Argon2id parameters (one insert, synced).
    /// Returns whether it did; a failure leaves the old wrap, which still works, and is retried
    /// at the next unlock.
    fn upgrade_wrap(&self, key: &DataKey, passphrase: &str) -> bool {
        let r = crypto::wrap(key, passphrase, self.kdf.new).and_then(|w| {
            self.kv.put_plain(&META_KEYWRAP, &w)?;
            self.kv.sync()
        });
        match r {
            Ok(()) => {
                tracing::info!("key wrap upgraded to Argon2id");
                true
            }
            Err(e) => {
                tracing::warn!(code = e.code().wire(), "key wrap upgrade failed");
                false
            }
        }
    }

    /// Changes the passphrase (Instellingen): only while unlocked, with the current passphrase
    /// (a wrong one counts as a failed attempt, under the same delay as [`Zicht::unlock`]) and
    /// a new one that passes the same checks as at setup. The data key is wrapped again under
    /// the new passphrase with a fresh salt and today's Argon2id parameters; nothing else is
    /// re-encrypted.
    ///
    /// Crash safety: the new wrap replaces the old one in one sled insert (atomic), made
    /// durable by [`Kv::sync`] before this returns, so a crash at any moment leaves either the
    /// old or the new passphrase working, never both nor neither. The audit entry follows the
    /// change; a crash between the two leaves the change without its entry.
    pub fn change_passphrase(
        &mut self,
        mut input: PassphraseChange,
        now: Now,
        uptime: Duration,
    ) -> Result<()> {
        let r = self.change_passphrase_inner(&input, now, uptime);
        input.current.zeroize();
        input.passphrase.zeroize();
        input.passphrase_repeat.zeroize();
        r
    }

    fn change_passphrase_inner(
        &mut self,
        input: &PassphraseChange,
        now: Now,
        uptime: Duration,
    ) -> Result<()> {
        validate::check_passphrase_change(input, &self.session()?.profile)?;
        let wrap = self.keywrap()?.ok_or(CoreError::NotSetUp)?;
        let old = self.unwrap_guarded(&wrap, &input.current, now, uptime)?;
        let session = self.session()?;
        // The stored wrap must hold the key this session works with.
        if !old.same_key(&session.key) {
            return Err(CoreError::Corrupt);
        }
        let new = crypto::wrap(&session.key, &input.passphrase, self.kdf.new)?;
        self.kv.put_plain(&META_KEYWRAP, &new)?;
        self.kv.sync()?;
        tracing::info!("passphrase changed");
        self.audit(
            now,
            AuditAction::Change,
            AuditSubject::Device,
            None,
            "Wachtwoord gewijzigd",
        )?;
        self.kv.sync()
    }

    fn load_session(&self, key: DataKey, now: Now) -> Result<Session> {
        let t = now.timestamp();
        let v = Vault::new(&self.kv, &key);
        let profile: Profile = v.get(&PROFILE)?.ok_or(CoreError::Corrupt)?;
        let settings: Settings = v.get(&SETTINGS)?.unwrap_or_default();
        let cv: u32 = v.get(&ACTIVE_CARDSET)?.ok_or(CoreError::Corrupt)?;
        let cards: CardSet = v
            .get_in(&CARDSETS, &version_key(cv))?
            .ok_or(CoreError::Corrupt)?;
        let rv: u32 = v.get(&ACTIVE_ROUTE)?.ok_or(CoreError::Corrupt)?;
        let route: Route = v
            .get_in(&ROUTES, &version_key(rv))?
            .ok_or(CoreError::Corrupt)?;
        // A purge that a crash interrupted is finished first.
        // (The index is built below, from what is left.)
        retention::finish_pending(&v, &profile.name, now)?;
        let mut index = Index::default();
        v.for_each(&SIGNALS, |_, s: Signal| {
            index.upsert(&s);
            Ok(())
        })?;
        let keys: StoredKeys = v.get(&DEVICE_KEYS)?.ok_or(CoreError::Corrupt)?;
        Ok(Session {
            keys,
            key,
            profile,
            settings,
            cards,
            route,
            index,
            last_activity: t,
            ledger: Default::default(),
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
}

impl Zicht {
    /// The daily retention purge, at unlock (see [`retention`]).
    fn purge_at_unlock(&mut self, now: Now) -> Result<()> {
        let s = self.session.as_mut().ok_or(CoreError::Locked)?;
        let v = Vault::new(&self.kv, &s.key);
        if retention::purge_due(&v, now)? {
            let (r, actor) = (s.settings.retention, s.profile.name.clone());
            let municipality = s.profile.municipality.clone();
            retention::purge_expired(&v, &mut s.index, &r, &actor, &municipality, now)?;
            s.ledger.replace(None);
        }
        Ok(())
    }

    /// Records one audit entry under the user's name; the caller's own sync makes it durable
    /// together with its change.
    pub(crate) fn audit(
        &self,
        now: Now,
        action: AuditAction,
        subject: AuditSubject,
        record: Option<&str>,
        detail: &str,
    ) -> Result<()> {
        #[cfg(any(test, feature = "testing"))]
        if self.fail_audit.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(CoreError::Storage("injected by a test".into()));
        }
        let actor = &self.session()?.profile.name;
        audit::append(&self.vault()?, actor, now, action, subject, record, detail)?;
        Ok(())
    }
}

/// Hooks for tests of what an operation leaves behind (only with the `testing` feature, which
/// the core's own tests turn on).
#[cfg(any(test, feature = "testing"))]
impl Zicht {
    /// Makes every audit entry fail to be written from now on (`on`) or no longer, as a failing
    /// disk would.
    pub fn fail_audit_for_tests(&self, on: bool) {
        self.fail_audit
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }
}
