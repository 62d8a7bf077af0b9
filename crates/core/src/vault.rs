//! The encrypted record layer: every value that goes through here is sealed with the data key,
//! bound to its tree and key. Keys are not encrypted, so they must never carry personal data
//! (the core uses UUIDs, version numbers and fixed names).
//!
//! Architecture Invariant: every record holding personal data is written through [`Vault`].

use crate::crypto::DataKey;
use crate::error::{CoreError, Result};
use crate::kv::Kv;
use serde::{de::DeserializeOwned, Serialize};

pub struct Vault<'a> {
    pub(crate) kv: &'a Kv,
    pub(crate) key: &'a DataKey,
}

fn aad(tree: &str, key: &[u8]) -> Vec<u8> {
    let mut a = Vec::with_capacity(tree.len() + 1 + key.len());
    a.extend_from_slice(tree.as_bytes());
    a.push(0);
    a.extend_from_slice(key);
    a
}

impl<'a> Vault<'a> {
    pub fn new(kv: &'a Kv, key: &'a DataKey) -> Self {
        Vault { kv, key }
    }

    pub fn put_bytes(&self, tree: &str, key: &[u8], value: &[u8]) -> Result<()> {
        let sealed = self.key.seal(&aad(tree, key), value)?;
        self.kv.insert(tree, key, &sealed)
    }

    pub fn get_bytes(&self, tree: &str, key: &[u8]) -> Result<Option<Vec<u8>>> {
        match self.kv.get(tree, key)? {
            None => Ok(None),
            Some(sealed) => self.key.open_vec(&aad(tree, key), sealed).map(Some),
        }
    }

    pub fn remove(&self, tree: &str, key: &[u8]) -> Result<bool> {
        self.kv.remove(tree, key)
    }

    pub fn put<T: Serialize>(&self, tree: &str, key: &[u8], value: &T) -> Result<()> {
        let mut bytes = serde_json::to_vec(value).map_err(|_| CoreError::Crypto)?;
        let r = self.put_bytes(tree, key, &bytes);
        zeroize::Zeroize::zeroize(&mut bytes);
        r
    }

    pub fn get<T: DeserializeOwned>(&self, tree: &str, key: &[u8]) -> Result<Option<T>> {
        match self.get_bytes(tree, key)? {
            None => Ok(None),
            Some(mut bytes) => {
                let v = serde_json::from_slice(&bytes).map_err(|_| CoreError::Corrupt);
                zeroize::Zeroize::zeroize(&mut bytes);
                v.map(Some)
            }
        }
    }

    /// Every record of a tree, opened, in key order.
    pub fn for_each<T: DeserializeOwned>(
        &self,
        tree: &str,
        mut f: impl FnMut(&[u8], T) -> Result<()>,
    ) -> Result<()> {
        self.kv.for_each(tree, |k, sealed| {
            let mut bytes = self.key.open(&aad(tree, k), sealed)?;
            let v = serde_json::from_slice(&bytes).map_err(|_| CoreError::Corrupt);
            zeroize::Zeroize::zeroize(&mut bytes);
            f(k, v?)
        })
    }

    /// Durable: see [`Kv::sync`].
    pub fn sync(&self) -> Result<()> {
        self.kv.sync()
    }
}
