//! The roster: which devices are enrolled and which are revoked, as files in the data
//! directory, so that the command line can read and change it while the endpoint runs (as it
//! does with enrolment tokens).
//!
//! - `devices/<device id>`: written by the endpoint when a device enrols (and at start for
//!   every enrolled device); content: the enrolment time in ms. A listing, not the truth: the
//!   store holds the device's keys.
//! - `revoked/<device id>`: written by `zicht-regio revoke`; content: the revocation time in
//!   ms. The endpoint refuses every request of a revoked device (`401 auth.revoked`) from the
//!   next request on; envelopes (also those for or from the device) are left alone.
//!
//! Architecture Invariant: file names are device ids (32 lowercase hex), never anything a
//! device sent as text.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::{Duration, Instant, SystemTime};

pub const DEVICES_DIR: &str = "devices";
pub const REVOKED_DIR: &str = "revoked";

/// Whether `s` is a device id: 32 lowercase hex characters.
pub fn is_device_id(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn write_file(dir: &Path, name: &str, content: &str) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, content)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, dir.join(name))?;
    std::fs::File::open(dir)?.sync_all()
}

fn ids_in(dir: &Path) -> io::Result<Vec<(String, i64)>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_device_id(&name) {
            let at = std::fs::read_to_string(entry.path())
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(0);
            out.push((name, at));
        }
    }
    out.sort();
    Ok(out)
}

/// Notes an enrolled device in the listing.
pub fn note_enrolled(data_dir: &Path, device: &str, at_ms: i64) -> io::Result<()> {
    if !is_device_id(device) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a device id",
        ));
    }
    write_file(&data_dir.join(DEVICES_DIR), device, &at_ms.to_string())
}

/// Revokes a device. `Ok(false)` if it was revoked already (the first time is kept).
pub fn revoke(data_dir: &Path, device: &str, at_ms: i64) -> io::Result<bool> {
    if !is_device_id(device) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "een apparaat-id is 32 kleine hexadecimale tekens",
        ));
    }
    let dir = data_dir.join(REVOKED_DIR);
    if dir.join(device).exists() {
        return Ok(false);
    }
    write_file(&dir, device, &at_ms.to_string())?;
    Ok(true)
}

/// One device of the listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterEntry {
    pub device: String,
    /// Enrolment time (ms), if the listing has it.
    pub enrolled_at_ms: Option<i64>,
    /// Revocation time (ms), if revoked.
    pub revoked_at_ms: Option<i64>,
}

/// Every device enrolled or revoked, by id.
pub fn list(data_dir: &Path) -> io::Result<Vec<RosterEntry>> {
    let enrolled = ids_in(&data_dir.join(DEVICES_DIR))?;
    let revoked = ids_in(&data_dir.join(REVOKED_DIR))?;
    let mut ids: Vec<&String> = enrolled.iter().chain(&revoked).map(|(d, _)| d).collect();
    ids.sort();
    ids.dedup();
    let find =
        |list: &[(String, i64)], id: &str| list.iter().find(|(d, _)| d == id).map(|(_, t)| *t);
    Ok(ids
        .into_iter()
        .map(|id| RosterEntry {
            device: id.clone(),
            enrolled_at_ms: find(&enrolled, id),
            revoked_at_ms: find(&revoked, id),
        })
        .collect())
}

/// The revoked set as the endpoint checks it on every request: read again when the folder's
/// modification time changes (a `revoke` adds a file, which changes it), and at least every
/// [`REREAD`] in any case (a change within the same time tick as a read is not missed).
pub struct Revoked {
    dir: PathBuf,
    cache: RwLock<(Option<SystemTime>, Instant, HashSet<String>)>,
}

/// The longest the endpoint goes on a read of the revoked set.
pub const REREAD: Duration = Duration::from_secs(2);

impl Revoked {
    pub fn new(data_dir: &Path) -> Revoked {
        Revoked {
            dir: data_dir.join(REVOKED_DIR),
            cache: RwLock::new((None, Instant::now(), HashSet::new())),
        }
    }

    /// Whether `device` is revoked. An unreadable folder counts as revoking everyone (fail
    /// closed); a missing one as revoking no one.
    pub fn contains(&self, device: &str) -> bool {
        let mtime = match std::fs::metadata(&self.dir) {
            Ok(m) => m.modified().ok(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return false,
            Err(_) => return true,
        };
        {
            let c = self.cache.read().unwrap_or_else(|p| p.into_inner());
            if c.0.is_some() && c.0 == mtime && c.1.elapsed() < REREAD {
                return c.2.contains(device);
            }
        }
        let read_at = Instant::now();
        let Ok(ids) = ids_in(&self.dir) else {
            return true;
        };
        let set: HashSet<String> = ids.into_iter().map(|(d, _)| d).collect();
        let hit = set.contains(device);
        *self.cache.write().unwrap_or_else(|p| p.into_inner()) = (mtime, read_at, set);
        hit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revoking_shows_in_the_list_and_the_check_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let a = "0123456789abcdef0123456789abcdef";
        let b = "fedcba9876543210fedcba9876543210";
        note_enrolled(dir.path(), a, 1).unwrap();
        note_enrolled(dir.path(), b, 2).unwrap();
        let r = Revoked::new(dir.path());
        assert!(!r.contains(a), "no folder yet");
        assert!(revoke(dir.path(), a, 5).unwrap());
        assert!(!revoke(dir.path(), a, 6).unwrap(), "once");
        assert!(r.contains(a) && !r.contains(b));
        let l = list(dir.path()).unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(
            (l[0].enrolled_at_ms, l[0].revoked_at_ms),
            (Some(1), Some(5))
        );
        assert_eq!(l[1].revoked_at_ms, None);
        for bad in [
            "",
            "../x",
            "0123456789ABCDEF0123456789ABCDEF",
            &"a".repeat(33),
        ] {
            assert!(revoke(dir.path(), bad, 1).is_err(), "{bad}");
        }
    }
}
