//! Keys, key ids, bundle ids and the sender directory lookup.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use ring::rand::SecureRandom;
use ring::signature::{self, Ed25519KeyPair, KeyPair};
use zeroize::Zeroizing;

use crate::Error;

const KEY_ID_X25519: &[u8] = b"zicht-bundle/v1/key-id/x25519";
const KEY_ID_ED25519: &[u8] = b"zicht-bundle/v1/key-id/ed25519";

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

pub(crate) fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let s = s.as_bytes();
    if s.len() != 2 * N {
        return None;
    }
    let nib = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = (nib(s[2 * i])? << 4) | nib(s[2 * i + 1])?;
    }
    Some(out)
}

fn key_id(label: &[u8], public: &[u8; 32]) -> KeyId {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(label);
    ctx.update(public);
    let d = ctx.finish();
    let mut id = [0u8; 16];
    id.copy_from_slice(&d.as_ref()[..16]);
    KeyId(id)
}

/// A 16-byte key id: `SHA-256(label || public key)[0..16]` (format §2.1). Shown as 32 lowercase
/// hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub(crate) [u8; 16]);

impl KeyId {
    /// Wraps 16 raw bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        KeyId(bytes)
    }
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
    /// Parses 32 lowercase hex digits.
    pub fn from_hex(s: &str) -> Option<Self> {
        unhex::<16>(s).map(KeyId)
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex(&self.0))
    }
}
impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// A bundle's content id: BLAKE3 of all its bytes (format §6). `Display` gives the 64 lowercase
/// hex digits the endpoint stores the envelope under.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BundleId(pub(crate) [u8; 32]);

impl BundleId {
    /// The id of a complete bundle held in memory.
    pub fn of(bundle: &[u8]) -> Self {
        BundleId(*blake3::hash(bundle).as_bytes())
    }
    /// Wraps 32 raw bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        BundleId(bytes)
    }
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
    /// Parses 64 lowercase hex digits (uppercase is refused: the id has one spelling).
    pub fn from_hex(s: &str) -> Option<Self> {
        unhex::<32>(s).map(BundleId)
    }
    /// The 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }
}

impl fmt::Display for BundleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex(&self.0))
    }
}
impl fmt::Debug for BundleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BundleId({self})")
    }
}

/// Computes a [`BundleId`] over bytes that arrive in pieces (e.g. an HTTP body being streamed
/// to disk), so a large envelope never has to be held whole to check its id.
#[derive(Clone, Default)]
pub struct IdHasher(blake3::Hasher);

impl IdHasher {
    /// A fresh hasher.
    pub fn new() -> Self {
        Self::default()
    }
    /// Feeds the next bytes.
    pub fn update(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.update(bytes);
        self
    }
    /// The id of everything fed so far.
    pub fn finalize(&self) -> BundleId {
        BundleId(*self.0.finalize().as_bytes())
    }
}

/// The sender's Ed25519 signing key (ring). Signs the trailer of every bundle it seals.
pub struct SenderKey {
    pair: Ed25519KeyPair,
    id: KeyId,
}

impl SenderKey {
    /// Makes a new key from the system CSPRNG and returns it with its PKCS#8 v2 document
    /// (what the device stores, encrypted, in its store).
    pub fn generate() -> Result<(Self, Zeroizing<Vec<u8>>), Error> {
        let rng = ring::rand::SystemRandom::new();
        let doc = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| Error::Random)?;
        let doc = Zeroizing::new(doc.as_ref().to_vec());
        let key = Self::from_pkcs8(&doc)?;
        Ok((key, doc))
    }
    /// Loads a key from its PKCS#8 document (as made by [`SenderKey::generate`]).
    pub fn from_pkcs8(doc: &[u8]) -> Result<Self, Error> {
        let pair =
            Ed25519KeyPair::from_pkcs8_maybe_unchecked(doc).map_err(|_| Error::InvalidKey)?;
        Ok(Self::from_pair(pair))
    }
    /// Loads a key from its 32-byte RFC 8032 seed.
    pub fn from_seed(seed: &[u8; 32]) -> Result<Self, Error> {
        let pair = Ed25519KeyPair::from_seed_unchecked(seed).map_err(|_| Error::InvalidKey)?;
        Ok(Self::from_pair(pair))
    }
    fn from_pair(pair: Ed25519KeyPair) -> Self {
        let mut pk = [0u8; 32];
        pk.copy_from_slice(pair.public_key().as_ref());
        let id = key_id(KEY_ID_ED25519, &pk);
        SenderKey { pair, id }
    }
    /// The public half, to publish in the directory.
    pub fn public_key(&self) -> SenderPublicKey {
        let mut pk = [0u8; 32];
        pk.copy_from_slice(self.pair.public_key().as_ref());
        SenderPublicKey(pk)
    }
    /// The sender key id written into every header this key seals.
    pub fn key_id(&self) -> KeyId {
        self.id
    }
    pub(crate) fn sign(&self, msg: &[u8]) -> [u8; 64] {
        let mut sig = [0u8; 64];
        sig.copy_from_slice(self.pair.sign(msg).as_ref());
        sig
    }
}

impl fmt::Debug for SenderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SenderKey({})", self.id)
    }
}

/// A sender's Ed25519 public key, as the directory holds it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SenderPublicKey(pub(crate) [u8; 32]);

impl SenderPublicKey {
    /// Wraps 32 raw bytes (not checked here: an invalid point simply never verifies).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        SenderPublicKey(bytes)
    }
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
    /// Its key id (format §2.1).
    pub fn key_id(&self) -> KeyId {
        key_id(KEY_ID_ED25519, &self.0)
    }
    pub(crate) fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        signature::UnparsedPublicKey::new(&signature::ED25519, &self.0)
            .verify(msg, sig)
            .is_ok()
    }
}

impl fmt::Debug for SenderPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SenderPublicKey({})", hex(&self.0))
    }
}

/// A recipient's static X25519 secret (x25519-dalek `StaticSecret`; ring has no static X25519).
/// Zeroised on drop.
pub struct RecipientSecretKey {
    secret: x25519_dalek::StaticSecret,
    public: RecipientPublicKey,
}

impl RecipientSecretKey {
    /// Makes a new key from 32 bytes of the system CSPRNG (ring).
    pub fn generate() -> Result<Self, Error> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        ring::rand::SystemRandom::new()
            .fill(&mut bytes[..])
            .map_err(|_| Error::Random)?;
        Ok(Self::from_bytes(*bytes))
    }
    /// Loads a key from its 32 bytes (clamped as RFC 7748 says when used).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        let secret = x25519_dalek::StaticSecret::from(bytes);
        let public = RecipientPublicKey(*x25519_dalek::PublicKey::from(&secret).as_bytes());
        RecipientSecretKey { secret, public }
    }
    /// The 32 secret bytes, for storing (encrypted) in the device store.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.secret.to_bytes())
    }
    /// The public half, to publish in the directory.
    pub fn public_key(&self) -> RecipientPublicKey {
        self.public
    }
    /// Its key id.
    pub fn key_id(&self) -> KeyId {
        self.public.key_id()
    }
    /// X25519 (RFC 7748) of this key with `peer`, for proving to a third party that this
    /// device holds the key (the regional endpoint's enrolment, `docs/regio-protocol.md` §3).
    /// Not part of the bundle format. [`Error::InvalidKey`] if the result is all zero (a peer
    /// key of small order, whose result anyone can compute).
    pub fn diffie_hellman(&self, peer: &RecipientPublicKey) -> Result<Zeroizing<[u8; 32]>, Error> {
        self.agree(&peer.0).ok_or(Error::InvalidKey)
    }
    pub(crate) fn agree(&self, ephemeral: &[u8; 32]) -> Option<Zeroizing<[u8; 32]>> {
        crate::crypto::x25519(&Zeroizing::new(self.secret.to_bytes()), ephemeral)
    }
}

impl fmt::Debug for RecipientSecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecipientSecretKey({})", self.key_id())
    }
}

/// A recipient's X25519 public key, as the directory holds it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecipientPublicKey(pub(crate) [u8; 32]);

impl RecipientPublicKey {
    /// Wraps 32 raw bytes. A key of small order is refused when sealing.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        RecipientPublicKey(bytes)
    }
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
    /// Its key id (format §2.1): what the header and the endpoint address it by.
    pub fn key_id(&self) -> KeyId {
        key_id(KEY_ID_X25519, &self.0)
    }
}

impl fmt::Debug for RecipientPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecipientPublicKey({})", hex(&self.0))
    }
}

/// Where `open` finds the signing key for the sender key id in a header: in Zicht, the regional
/// directory signed by the region's root key. Return `None` for a sender you do not trust.
pub trait SenderLookup {
    /// The Ed25519 public key registered under `id`, if any.
    fn sender_key(&self, id: &KeyId) -> Option<SenderPublicKey>;
}

impl SenderLookup for SenderPublicKey {
    fn sender_key(&self, id: &KeyId) -> Option<SenderPublicKey> {
        (self.key_id() == *id).then_some(*self)
    }
}
impl SenderLookup for Vec<SenderPublicKey> {
    fn sender_key(&self, id: &KeyId) -> Option<SenderPublicKey> {
        self.iter().find(|k| k.key_id() == *id).copied()
    }
}
impl<const N: usize> SenderLookup for [SenderPublicKey; N] {
    fn sender_key(&self, id: &KeyId) -> Option<SenderPublicKey> {
        self.iter().find(|k| k.key_id() == *id).copied()
    }
}
impl<S: std::hash::BuildHasher> SenderLookup for HashMap<KeyId, SenderPublicKey, S> {
    fn sender_key(&self, id: &KeyId) -> Option<SenderPublicKey> {
        self.get(id).copied()
    }
}
impl SenderLookup for BTreeMap<KeyId, SenderPublicKey> {
    fn sender_key(&self, id: &KeyId) -> Option<SenderPublicKey> {
        self.get(id).copied()
    }
}
