//! The only module that touches sled. Everything above it sees a plain ordered key-value store
//! of named trees with one extra promise: [`Kv::sync`] makes every write before it durable.
//!
//! Architecture Invariant: no other module names `sled`; swapping the engine means rewriting
//! this file only.

use crate::error::{CoreError, Result};
use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::RwLock;

/// sled's page cache (its default is 1 GiB). Unlock reads every signal once into the in-memory
/// index, which then answers lists and searches, so a large cache only held a second copy of the
/// store: with 100 000 signals the app grew by ~300 MB at unlock (docs/benchmarks.md, "App start
/// and memory").
const CACHE_BYTES: u64 = 32 * 1024 * 1024;

pub struct Kv {
    db: sled::Db,
    dir: PathBuf,
    /// Opened trees, so a lookup does not go through sled's tenant map every time.
    trees: RwLock<HashMap<String, sled::Tree>>,
    /// Blob files already made durable.
    synced_blobs: std::sync::Mutex<std::collections::HashSet<std::ffi::OsString>>,
}

fn storage(e: sled::Error) -> CoreError {
    match e {
        // sled reports a store locked by another process as an I/O error with this text.
        sled::Error::Io(io) if io.to_string().contains("could not acquire lock") => {
            CoreError::InUse
        }
        sled::Error::Io(io) => CoreError::Storage(io.kind().to_string()),
        sled::Error::Corruption { .. } => CoreError::Corrupt,
        other => CoreError::Storage(other.to_string()),
    }
}

impl Kv {
    /// Opens (or creates) the store in `dir`. Fails if another process has it open.
    pub fn open(dir: &Path) -> Result<Kv> {
        std::fs::create_dir_all(dir)?;
        // sled releases its file lock from background threads shortly after the last handle is
        // dropped, so a reopen right after a close in the same process can briefly see it held.
        let mut tries = 0;
        let db = loop {
            match sled::Config::new()
                .path(dir)
                .cache_capacity(CACHE_BYTES)
                .open()
                .map_err(storage)
            {
                Err(CoreError::InUse) if tries < 50 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                other => break other?,
            }
        };
        let kv = Kv {
            db,
            dir: dir.to_path_buf(),
            trees: RwLock::new(HashMap::new()),
            synced_blobs: Default::default(),
        };
        kv.sync_all_files()?;
        Ok(kv)
    }

    fn tree(&self, name: &str) -> Result<sled::Tree> {
        if let Some(t) = self
            .trees
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
        {
            return Ok(t.clone());
        }
        let t = self.db.open_tree(name).map_err(storage)?;
        self.trees
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.to_string(), t.clone());
        Ok(t)
    }

    /// A plaintext JSON value in a `meta` slot (readable before the passphrase is known).
    pub(crate) fn get_plain<T: serde::de::DeserializeOwned>(
        &self,
        slot: &crate::schema::Slot<T>,
    ) -> Result<Option<T>> {
        match self.get(slot.tree, slot.key)? {
            None => Ok(None),
            Some(b) => serde_json::from_slice(&b)
                .map(Some)
                .map_err(|_| CoreError::Corrupt),
        }
    }

    pub(crate) fn put_plain<T: serde::Serialize>(
        &self,
        slot: &crate::schema::Slot<T>,
        value: &T,
    ) -> Result<()> {
        let bytes = serde_json::to_vec(value).map_err(|_| CoreError::Corrupt)?;
        self.insert(slot.tree, slot.key, &bytes)
    }

    pub fn get(&self, tree: &str, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let t = self.tree(tree)?;
        Ok(t.get(key).map_err(storage)?.map(|v| v.to_vec()))
    }

    pub fn insert(&self, tree: &str, key: &[u8], value: &[u8]) -> Result<()> {
        let t = self.tree(tree)?;
        t.insert(key, value).map_err(storage)?;
        Ok(())
    }

    pub fn remove(&self, tree: &str, key: &[u8]) -> Result<bool> {
        let t = self.tree(tree)?;
        Ok(t.remove(key).map_err(storage)?.is_some())
    }

    /// Calls `f` for every (key, value) of a tree, in key order, without collecting.
    pub fn for_each(
        &self,
        tree: &str,
        mut f: impl FnMut(&[u8], &[u8]) -> Result<()>,
    ) -> Result<()> {
        let t = self.tree(tree)?;
        for r in t.iter() {
            let (k, v) = r.map_err(storage)?;
            f(&k, &v)?;
        }
        Ok(())
    }

    /// Makes every write before this call durable against a killed process *and* a power cut.
    ///
    /// sled 0.34's `flush()` writes its buffers and issues `sync_file_range`, which does not
    /// persist file metadata nor, on every file system, the data itself. So after it we
    /// `fdatasync` the log file (`db`), where every write lands, and any blob file sled wrote
    /// since the previous sync (items too large for the log go to `blobs/`), and then the
    /// `blobs` directory itself so their names are durable too.
    pub fn sync(&self) -> Result<()> {
        self.db.flush().map_err(storage)?;
        File::open(self.dir.join("db"))?.sync_data()?;
        self.sync_new_blobs()
    }

    fn sync_new_blobs(&self) -> Result<()> {
        let blobs = self.dir.join("blobs");
        let Ok(entries) = std::fs::read_dir(&blobs) else {
            return Ok(());
        };
        let mut any = false;
        for entry in entries {
            let entry = entry?;
            // Blobs are written once and never modified: sync each one the first time we see it
            // (a blob created and synced before is harmless to sync again, just slower).
            let path = entry.path();
            let mut synced = self.synced_blobs.lock().unwrap_or_else(|p| p.into_inner());
            if !synced.contains(&entry.file_name()) {
                File::open(&path)?.sync_data()?;
                // Remembered only once it is durable: a failed fsync is retried next time.
                synced.insert(entry.file_name());
                any = true;
            }
        }
        if any {
            File::open(&blobs)?.sync_all()?;
            // The first time `blobs/` appears its own directory entry must be durable too.
            File::open(&self.dir)?.sync_all()?;
        }
        Ok(())
    }

    /// `fsync` of every file and directory of the store (at open and close: covers the
    /// config file, snapshots and the directory entries themselves).
    pub fn sync_all_files(&self) -> Result<()> {
        self.db.flush().map_err(storage)?;
        sync_tree(&self.dir)
    }
}

fn sync_tree(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let ft = entry.file_type()?;
        if ft.is_dir() {
            sync_tree(&entry.path())?;
        } else if ft.is_file() {
            File::open(entry.path())?.sync_all()?;
        }
    }
    File::open(dir)?.sync_all()?;
    Ok(())
}

impl Drop for Kv {
    fn drop(&mut self) {
        let _ = self.sync_all_files();
    }
}
