//! The regional directory: a document signed by the region's root key. A device pins the root
//! the first time it imports a directory and from then on refuses any directory not signed by
//! that root, or older than the one it has.

use crate::error::{CoreError, Result};
use crate::identity::{encryption_public, fingerprint, hex, signing_public, unhex32};
use ring::signature::{Ed25519KeyPair, KeyPair, UnparsedPublicKey, ED25519};
use std::collections::HashSet;
use zicht_model::{Directory, SignedDirectory};

const CONTEXT: &[u8] = b"zicht-directory-v1\0";

fn bad(msg: &str) -> CoreError {
    CoreError::DirectoryInvalid(msg.into())
}

fn message(directory_json: &str) -> Vec<u8> {
    let mut m = CONTEXT.to_vec();
    m.extend_from_slice(directory_json.as_bytes());
    m
}

/// Signs a directory with the region root key (PKCS#8). Used by the region's coordinator
/// (`cargo xtask demo-region`) and by tests.
pub fn sign(root_pkcs8: &[u8], directory: &Directory) -> Result<SignedDirectory> {
    let key = Ed25519KeyPair::from_pkcs8(root_pkcs8).map_err(|_| CoreError::Crypto)?;
    let json = serde_json::to_string_pretty(directory).map_err(|_| CoreError::Crypto)?;
    let sig = key.sign(&message(&json));
    Ok(SignedDirectory {
        directory: json,
        root_key: hex(key.public_key().as_ref()),
        signature: hex(sig.as_ref()),
    })
}

/// Checks the signature (against `pinned`, when the device has pinned a root) and the content.
/// Returns the directory and the root key it was signed with.
pub fn verify(
    signed: &SignedDirectory,
    pinned: Option<&[u8; 32]>,
) -> Result<(Directory, [u8; 32])> {
    let root = unhex32(&signed.root_key).ok_or_else(|| bad("root key"))?;
    if pinned.is_some_and(|p| *p != root) {
        return Err(CoreError::DirectoryWrongRoot);
    }
    let sig = decode_hex(&signed.signature).ok_or_else(|| bad("signature encoding"))?;
    UnparsedPublicKey::new(&ED25519, root)
        .verify(&message(&signed.directory), &sig)
        .map_err(|_| CoreError::DirectoryBadSignature)?;
    let dir: Directory =
        serde_json::from_str(&signed.directory).map_err(|_| bad("not a directory"))?;
    if dir.version == 0 || dir.region.trim().is_empty() {
        return Err(bad("version or region"));
    }
    let mut ids = HashSet::new();
    let mut keys = HashSet::new();
    for p in &dir.participants {
        if p.id.trim().is_empty() || !ids.insert(p.id.as_str()) {
            return Err(bad("participant id empty or duplicate"));
        }
        if signing_public(&p.signing_key).is_none()
            || encryption_public(&p.encryption_key).is_none()
        {
            return Err(bad("participant key encoding"));
        }
        if !keys.insert(p.signing_key.to_lowercase())
            || !keys.insert(p.encryption_key.to_lowercase())
        {
            return Err(bad("a key is listed twice"));
        }
    }
    Ok((dir, root))
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Fingerprint of a region root key, for comparing by phone.
pub fn root_fingerprint(root: &[u8; 32]) -> String {
    fingerprint(&[root])
}
