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

/// `value` as JSON in a buffer of exactly its size, wiped when dropped. `serde_json::to_vec`
/// grows its buffer by reallocating, and each reallocation frees a partial copy of the
/// plaintext without wiping it; measuring first and writing into a pre-sized buffer leaves
/// no such copy.
pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0 += b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut n = Count(0);
    serde_json::to_writer(&mut n, value).map_err(|_| CoreError::Crypto)?;
    let mut out = zeroize::Zeroizing::new(Vec::with_capacity(n.0));
    serde_json::to_writer(&mut *out, value).map_err(|_| CoreError::Crypto)?;
    Ok(out)
}

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
        let bytes = to_json(value)?;
        self.put_bytes(tree, key, &bytes)
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

#[cfg(test)]
mod tests {
    use super::to_json;

    /// Finding 11 of Zicht 5 (issue 14): `serde_json::to_vec` reallocated while it wrote, each
    /// time freeing an unwiped partial copy of the plaintext. `to_json` writes into one buffer
    /// of the exact size: it never moves.
    #[test]
    fn finding_11_to_json_writes_into_one_buffer_of_the_exact_size() {
        let long = "geheim ".repeat(5000);
        for value in [
            serde_json::json!({"a": 1}),
            serde_json::json!({"observation": long, "n": [1, 2, 3]}),
            serde_json::json!(""),
        ] {
            let out = to_json(&value).unwrap();
            assert_eq!(out.len(), out.capacity(), "{value}");
            assert_eq!(&out[..], serde_json::to_vec(&value).unwrap().as_slice());
        }
        // What it replaces does reallocate for a value of this size.
        let mut grown = Vec::with_capacity(16);
        let first = grown.as_ptr();
        serde_json::to_writer(&mut grown, &serde_json::json!({"o": long})).unwrap();
        assert_ne!(first, grown.as_ptr());
    }
}
