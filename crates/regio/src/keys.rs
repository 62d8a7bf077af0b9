//! The endpoint's own signing key and the one-time enrolment tokens: plain files in the data
//! directory, so that `zicht-regio token` works while `zicht-regio serve` holds the sled
//! store open (sled allows one process).
//!
//! ```text
//! <data>/endpoint-key.pk8          Ed25519 key pair, PKCS#8 v2 (ring), mode 0600
//! <data>/endpoint-x25519.key       X25519 secret, 32 bytes, mode 0600 (enrolment proofs)
//! <data>/enrol-tokens/<hash>       one file per unused token; content: expiry, unix ms
//! ```
//!
//! A token file is named by `SHA-256("zicht-regio/v1/enrol-token" || token bytes)` in hex, so
//! the directory does not hold the tokens themselves. A token is consumed by removing its
//! file: `unlink` succeeds once, which makes the token single-use even across processes.

use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{Ed25519KeyPair, KeyPair};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub const ENDPOINT_KEY_FILE: &str = "endpoint-key.pk8";
pub const ENDPOINT_X25519_FILE: &str = "endpoint-x25519.key";
pub const TOKEN_DIR: &str = "enrol-tokens";

pub struct EndpointKey {
    pub pair: Ed25519KeyPair,
    pub public: [u8; 32],
    /// The static X25519 key with which enrolling devices prove they hold their X25519 keys
    /// (`docs/regio-protocol.md` §3), and its public half.
    pub x25519: x25519_dalek::StaticSecret,
    pub x25519_public: [u8; 32],
}

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

fn create_private(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Reads `name` in `data_dir`, first writing `make()` to it if it does not exist (once,
/// race-free: written to a private temporary file, synced, then linked into place).
fn load_or_create(
    data_dir: &Path,
    name: &str,
    make: impl FnOnce() -> io::Result<Vec<u8>>,
) -> io::Result<Vec<u8>> {
    std::fs::create_dir_all(data_dir)?;
    let path = data_dir.join(name);
    if !path.exists() {
        let bytes = zeroize::Zeroizing::new(make()?);
        let tmp = data_dir.join(format!("{name}.tmp.{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        let mut f = create_private(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        drop(f);
        // link() fails if another process got there first; then its key wins.
        let linked = std::fs::hard_link(&tmp, &path);
        std::fs::remove_file(&tmp)?;
        match linked {
            Ok(()) => sync_dir(data_dir)?,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    std::fs::read(&path)
}

/// Loads the endpoint keys, generating them (once, race-free) on first use.
pub fn load_or_create_endpoint_key(data_dir: &Path) -> io::Result<EndpointKey> {
    let rng = SystemRandom::new();
    let bytes = zeroize::Zeroizing::new(load_or_create(data_dir, ENDPOINT_KEY_FILE, || {
        Ed25519KeyPair::generate_pkcs8(&rng)
            .map(|d| d.as_ref().to_vec())
            .map_err(|_| invalid("no randomness"))
    })?);
    let pair = Ed25519KeyPair::from_pkcs8(&bytes)
        .map_err(|_| invalid("endpoint-key.pk8 is not an Ed25519 PKCS#8 key"))?;
    let mut public = [0u8; 32];
    public.copy_from_slice(pair.public_key().as_ref());
    let x = zeroize::Zeroizing::new(load_or_create(data_dir, ENDPOINT_X25519_FILE, || {
        let mut b = vec![0u8; 32];
        rng.fill(&mut b).map_err(|_| invalid("no randomness"))?;
        Ok(b)
    })?);
    if x.len() != 32 {
        return Err(invalid("endpoint-x25519.key is not 32 bytes"));
    }
    let mut secret = zeroize::Zeroizing::new([0u8; 32]);
    secret.copy_from_slice(&x);
    let x25519 = x25519_dalek::StaticSecret::from(*secret);
    let x25519_public = *x25519_dalek::PublicKey::from(&x25519).as_bytes();
    Ok(EndpointKey {
        pair,
        public,
        x25519,
        x25519_public,
    })
}

/// The enrolment tokens of one data directory.
#[derive(Debug, Clone)]
pub struct Tokens {
    dir: PathBuf,
}

fn token_bytes(token: &str) -> Option<[u8; 16]> {
    let clean: String = token
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if clean.len() != 32 {
        return None;
    }
    hex::decode(clean).ok()?.try_into().ok()
}

fn token_file_name(bytes: &[u8; 16]) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(b"zicht-regio/v1/enrol-token");
    ctx.update(bytes);
    hex::encode(ctx.finish().as_ref())
}

impl Tokens {
    pub fn new(data_dir: &Path) -> Tokens {
        Tokens {
            dir: data_dir.join(TOKEN_DIR),
        }
    }

    /// Makes a new token valid until `expires_at_ms`; returns it as eight dash-separated
    /// groups of four hex characters (128 random bits).
    pub fn create(&self, expires_at_ms: i64) -> io::Result<String> {
        std::fs::create_dir_all(&self.dir)?;
        let mut b = [0u8; 16];
        SystemRandom::new()
            .fill(&mut b)
            .map_err(|_| invalid("no randomness"))?;
        let mut f = create_private(&self.dir.join(token_file_name(&b)))?;
        f.write_all(expires_at_ms.to_string().as_bytes())?;
        f.sync_all()?;
        sync_dir(&self.dir)?;
        let h = hex::encode(b);
        Ok(h.as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap_or(""))
            .collect::<Vec<_>>()
            .join("-"))
    }

    /// Consumes a token: `true` exactly once for a valid, unexpired token.
    /// Whether `token` exists and has not expired, without spending it (a cheap check before
    /// the costlier ones; [`Tokens::consume`] decides).
    pub fn is_live(&self, token: &str, now_ms: i64) -> io::Result<bool> {
        let Some(b) = token_bytes(token) else {
            return Ok(false);
        };
        match std::fs::read_to_string(self.dir.join(token_file_name(&b))) {
            Ok(c) => Ok(c.trim().parse::<i64>().is_ok_and(|exp| now_ms <= exp)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub fn consume(&self, token: &str, now_ms: i64) -> io::Result<bool> {
        let Some(b) = token_bytes(token) else {
            return Ok(false);
        };
        let path = self.dir.join(token_file_name(&b));
        let content = match std::fs::read_to_string(&path) {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        }
        sync_dir(&self.dir)?;
        let expires: i64 = content.trim().parse().unwrap_or(0);
        Ok(now_ms <= expires)
    }

    /// Removes expired tokens; returns how many.
    pub fn sweep(&self, now_ms: i64) -> io::Result<usize> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e),
        };
        let mut n = 0;
        for entry in entries {
            let entry = entry?;
            let expires: i64 = std::fs::read_to_string(entry.path())
                .ok()
                .and_then(|c| c.trim().parse().ok())
                .unwrap_or(i64::MAX);
            if expires < now_ms && std::fs::remove_file(entry.path()).is_ok() {
                n += 1;
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_single_use_and_expires() {
        let d = tempfile::tempdir().unwrap();
        let t = Tokens::new(d.path());
        let tok = t.create(1_000).unwrap();
        assert_eq!(tok.len(), 39);
        assert!(!t.consume("0000-0000", 0).unwrap());
        assert!(t
            .consume(&tok.to_uppercase().replace('-', " "), 999)
            .unwrap());
        assert!(!t.consume(&tok, 999).unwrap());
        let old = t.create(1_000).unwrap();
        assert!(!t.consume(&old, 1_001).unwrap(), "expired");
        t.create(5).unwrap();
        t.create(50_000).unwrap();
        assert_eq!(t.sweep(10).unwrap(), 1);
    }

    #[test]
    fn endpoint_key_is_stable() {
        let d = tempfile::tempdir().unwrap();
        let a = load_or_create_endpoint_key(d.path()).unwrap();
        let b = load_or_create_endpoint_key(d.path()).unwrap();
        assert_eq!(a.public, b.public);
    }
}
