//! The encrypted record layer: every value that goes through here is sealed with the data key,
//! bound to its tree and key. Keys are not encrypted, so they must never carry personal data
//! (the core uses UUIDs, version numbers and fixed names; see [`crate::schema`]).
//!
//! Architecture Invariant: every record holding personal data is written through [`Vault`],
//! addressed by a [`Slot`] or a [`Tree`] of [`crate::schema`], which also fixes its type.

use crate::crypto::DataKey;
use crate::error::{CoreError, Result};
use crate::kv::Kv;
use crate::schema::{Raw, Slot, Tree};
use serde::{de::DeserializeOwned, Serialize};
use zeroize::Zeroize;

pub(crate) struct Vault<'a> {
    kv: &'a Kv,
    key: &'a DataKey,
}

fn aad(tree: &str, key: &[u8]) -> Vec<u8> {
    let mut a = Vec::with_capacity(tree.len() + 1 + key.len());
    a.extend_from_slice(tree.as_bytes());
    a.push(0);
    a.extend_from_slice(key);
    a
}

impl<'a> Vault<'a> {
    pub(crate) fn new(kv: &'a Kv, key: &'a DataKey) -> Self {
        Vault { kv, key }
    }

    fn put_bytes(&self, tree: &str, key: &[u8], value: &[u8]) -> Result<()> {
        let sealed = self.key.seal(&aad(tree, key), value)?;
        self.kv.insert(tree, key, &sealed)
    }

    fn get_bytes(&self, tree: &str, key: &[u8]) -> Result<Option<Vec<u8>>> {
        match self.kv.get(tree, key)? {
            None => Ok(None),
            Some(sealed) => self.key.open_vec(&aad(tree, key), sealed).map(Some),
        }
    }

    fn put_json<T: Serialize>(&self, tree: &str, key: &[u8], value: &T) -> Result<()> {
        let mut bytes = serde_json::to_vec(value).map_err(|_| CoreError::Crypto)?;
        let r = self.put_bytes(tree, key, &bytes);
        bytes.zeroize();
        r
    }

    fn get_json<T: DeserializeOwned>(&self, tree: &str, key: &[u8]) -> Result<Option<T>> {
        match self.get_bytes(tree, key)? {
            None => Ok(None),
            Some(mut bytes) => {
                let v = serde_json::from_slice(&bytes).map_err(|_| CoreError::Corrupt);
                bytes.zeroize();
                v.map(Some)
            }
        }
    }

    /// The value in a fixed slot, if any.
    pub(crate) fn get<T: DeserializeOwned>(&self, slot: &Slot<T>) -> Result<Option<T>> {
        self.get_json(slot.tree, slot.key)
    }

    pub(crate) fn put<T: Serialize>(&self, slot: &Slot<T>, value: &T) -> Result<()> {
        self.put_json(slot.tree, slot.key, value)
    }

    pub(crate) fn remove<T>(&self, slot: &Slot<T>) -> Result<bool> {
        self.kv.remove(slot.tree, slot.key)
    }

    /// The record under `key` in `tree`, if any.
    pub(crate) fn get_in<T: DeserializeOwned>(
        &self,
        tree: &Tree<T>,
        key: &[u8],
    ) -> Result<Option<T>> {
        self.get_json(tree.name, key)
    }

    pub(crate) fn put_in<T: Serialize>(&self, tree: &Tree<T>, key: &[u8], value: &T) -> Result<()> {
        self.put_json(tree.name, key, value)
    }

    pub(crate) fn remove_in<T>(&self, tree: &Tree<T>, key: &[u8]) -> Result<bool> {
        self.kv.remove(tree.name, key)
    }

    /// Raw bytes (not JSON) under `key` in a [`Raw`] tree.
    pub(crate) fn put_raw(&self, tree: &Tree<Raw>, key: &[u8], value: &[u8]) -> Result<()> {
        self.put_bytes(tree.name, key, value)
    }

    pub(crate) fn get_raw(&self, tree: &Tree<Raw>, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.get_bytes(tree.name, key)
    }

    /// Every key of a tree, in key order (values are not opened).
    pub(crate) fn keys<T>(&self, tree: &Tree<T>) -> Result<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        self.kv.for_each(tree.name, |k, _| {
            out.push(k.to_vec());
            Ok(())
        })?;
        Ok(out)
    }

    /// Every record of a tree, opened, in key order.
    pub(crate) fn for_each<T: DeserializeOwned>(
        &self,
        tree: &Tree<T>,
        f: impl FnMut(&[u8], T) -> Result<()>,
    ) -> Result<()> {
        self.for_each_named(tree.name, f)
    }

    pub(crate) fn for_each_named<T: DeserializeOwned>(
        &self,
        tree: &str,
        mut f: impl FnMut(&[u8], T) -> Result<()>,
    ) -> Result<()> {
        self.kv.for_each(tree, |k, sealed| {
            let mut bytes = self.key.open(&aad(tree, k), sealed)?;
            let v = serde_json::from_slice(&bytes).map_err(|_| CoreError::Corrupt);
            bytes.zeroize();
            f(k, v?)
        })
    }

    /// Durable: see [`Kv::sync`].
    pub(crate) fn sync(&self) -> Result<()> {
        self.kv.sync()
    }
}

/// By tree name, for [`crate::testing`] only: tests that tamper with records.
#[cfg(any(test, feature = "testing"))]
impl Vault<'_> {
    pub(crate) fn put_named<T: Serialize>(&self, tree: &str, key: &[u8], value: &T) -> Result<()> {
        self.put_json(tree, key, value)
    }

    pub(crate) fn get_named<T: DeserializeOwned>(
        &self,
        tree: &str,
        key: &[u8],
    ) -> Result<Option<T>> {
        self.get_json(tree, key)
    }

    pub(crate) fn remove_named(&self, tree: &str, key: &[u8]) -> Result<bool> {
        self.kv.remove(tree, key)
    }
}
