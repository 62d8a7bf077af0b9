//! Hooks for tests that look under the encrypted layer or tamper with what is on disk. Only
//! built for the core's own tests (`cfg(test)`) and with the `testing` feature, which the
//! core's integration tests turn on; the app never has them.

use crate::error::Result;
use crate::session::Zicht;
use crate::vault::Vault;
use serde::{de::DeserializeOwned, Serialize};

pub use crate::crypto::DataKey;
pub use crate::kv::Kv;

/// Sealed records by tree name, as the store holds them (see [`crate::schema`]): for a test
/// that puts something where the core would never put it.
pub struct SealedRecords<'a>(Vault<'a>);

impl<'a> SealedRecords<'a> {
    pub fn new(kv: &'a Kv, key: &'a DataKey) -> Self {
        SealedRecords(Vault::new(kv, key))
    }

    pub fn put<T: Serialize>(&self, tree: &str, key: &[u8], value: &T) -> Result<()> {
        self.0.put_named(tree, key, value)
    }

    pub fn get<T: DeserializeOwned>(&self, tree: &str, key: &[u8]) -> Result<Option<T>> {
        self.0.get_named(tree, key)
    }

    pub fn remove(&self, tree: &str, key: &[u8]) -> Result<bool> {
        self.0.remove_named(tree, key)
    }

    pub fn for_each<T: DeserializeOwned>(
        &self,
        tree: &str,
        f: impl FnMut(&[u8], T) -> Result<()>,
    ) -> Result<()> {
        self.0.for_each_named(tree, f)
    }
}

impl Zicht {
    /// The unlocked store's sealed records (see [`SealedRecords`]).
    pub fn vault_for_tests(&self) -> Result<SealedRecords<'_>> {
        Ok(SealedRecords(self.vault()?))
    }
}

impl Zicht {
    /// Seals any payload for the given directory participants into the outbox, past the checks
    /// a user's action goes through: for tests of what a receiving device accepts.
    pub fn seal_payload_for_tests(
        &mut self,
        payload: &zicht_model::BundlePayload,
        recipient_ids: &[&str],
        now: crate::Now,
    ) -> Result<zicht_model::OutboxItem> {
        let (dir, _) = self.directory_and_me()?;
        let to: Vec<_> = dir
            .participants
            .into_iter()
            .filter(|p| recipient_ids.contains(&p.id.as_str()))
            .collect();
        self.seal_into_outbox(payload, &to, &[], now)
    }
}

pub use crate::crypto::{Argon2Params, KdfPolicy};

/// Argon2id with 64 KiB and one pass: for tests that set up and unlock stores by the hundred.
/// The app never uses it: [`crate::Zicht::open`] refuses a store wrapped with it.
pub fn cheap_kdf() -> KdfPolicy {
    let cheap = Argon2Params {
        m_kib: 64,
        t: 1,
        p: 1,
    };
    KdfPolicy {
        new: cheap,
        minimum: cheap,
    }
}

impl Zicht {
    /// Opens a store whose key wraps are made (and accepted down to) `kdf` instead of
    /// [`KdfPolicy::STANDARD`].
    pub fn open_with_kdf_for_tests(dir: &std::path::Path, kdf: KdfPolicy) -> Result<Zicht> {
        Zicht::open_with(dir, kdf)
    }

    /// Replaces the key wrap of the unlocked store by a PBKDF2 wrap under `passphrase`, exactly
    /// as Zicht wrote it before Argon2id (key wrap format 1).
    pub fn write_pbkdf2_wrap_for_tests(&self, passphrase: &str) -> Result<()> {
        let w = crate::crypto::wrap_pbkdf2_for_tests(&self.session()?.key, passphrase)?;
        self.kv.put_plain(&crate::schema::META_KEYWRAP, &w)?;
        self.kv.sync()
    }
}

/// Removes the key wrap of the (closed) store in `dir`: what a crash during setup, before the
/// wrap was written, leaves behind. The store then counts as not set up.
pub fn forget_key_wrap_for_tests(dir: &std::path::Path) -> Result<()> {
    let kv = crate::kv::Kv::open(dir)?;
    let slot = crate::schema::META_KEYWRAP;
    kv.remove(slot.tree, slot.key)?;
    kv.sync_all_files()
}

/// The next retention purge on this thread stops right after the ledger (with the keys it
/// counts) is durable and before any record is deleted, as a crash there would.
pub fn crash_purge_after_ledger_for_tests() {
    crate::retention::CRASH_AFTER_LEDGER.with(|c| c.set(true));
}
