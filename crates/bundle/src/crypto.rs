//! The key schedule (format §3.1, §3.2, §4, §5) on top of ring, and the entropy source.

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use ring::rand::SecureRandom;
use ring::{hkdf, hmac};
use zeroize::Zeroizing;

use crate::Error;

pub(crate) const WRAP_INFO: &[u8] = b"zicht-bundle/v1/x25519-wrap";
pub(crate) const HEADER_MAC_INFO: &[u8] = b"zicht-bundle/v1/header-mac";
pub(crate) const PAYLOAD_INFO: &[u8] = b"zicht-bundle/v1/payload";
pub(crate) const SIGNATURE_CONTEXT: &[u8] = b"zicht-bundle/v1/signature";

struct Len32;
impl hkdf::KeyType for Len32 {
    fn len(&self) -> usize {
        32
    }
}

/// HKDF-SHA256 (RFC 5869) to 32 bytes. An empty salt is RFC 5869's default (32 zero bytes).
pub(crate) fn hkdf32(salt: &[u8], ikm: &[u8], info: &[u8]) -> Result<Zeroizing<[u8; 32]>, Error> {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(ikm);
    let info = [info];
    let okm = prk.expand(&info, Len32).map_err(|_| Error::Internal)?;
    let mut out = Zeroizing::new([0u8; 32]);
    okm.fill(&mut out[..]).map_err(|_| Error::Internal)?;
    Ok(out)
}

pub(crate) fn aes_key(bytes: &[u8; 32]) -> Result<LessSafeKey, Error> {
    Ok(LessSafeKey::new(
        UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| Error::Internal)?,
    ))
}

/// X25519 (RFC 7748): the u-coordinate of `clamp(secret)·P` for the point P with u-coordinate
/// `public`, exactly as x25519-dalek's `diffie_hellman` computes it, or `None` if the result
/// is all zeros (a low-order `public`: format §3.1 refuses it).
///
/// When `public` is a point of the curve itself (every honestly made key is), the product is
/// computed on the birationally equivalent Edwards curve, where curve25519-dalek uses AVX2 when
/// the CPU has it (measured here: 57 µs against the ladder's 77); the u-coordinate does not
/// depend on which of the two Edwards points with that u is taken. A `public` on the twist has
/// no Edwards point and goes through the ladder. Both products take the same time whatever the
/// secret; which path is taken depends on the public value only. Tested against the ladder
/// (property test, and the test vectors made with x25519-dalek).
pub(crate) fn x25519(secret: &[u8; 32], public: &[u8; 32]) -> Option<Zeroizing<[u8; 32]>> {
    use curve25519_dalek::montgomery::MontgomeryPoint;
    use zeroize::Zeroize;
    let u = MontgomeryPoint(*public);
    let shared = Zeroizing::new(match u.to_edwards(0) {
        Some(p) => {
            let mut q = p.mul_clamped(*secret);
            let out = q.to_montgomery().0;
            q.zeroize();
            out
        }
        None => u.mul_clamped(*secret).0,
    });
    // Compared in constant time: the bytes are secret.
    bool::from(!subtle::ConstantTimeEq::ct_eq(&shared[..], &[0u8; 32][..])).then_some(shared)
}

/// Wrap key for one stanza: HKDF(salt = E || R, ikm = X25519 shared secret, info = WRAP_INFO).
pub(crate) fn wrap_key(
    shared: &[u8; 32],
    ephemeral: &[u8; 32],
    recipient: &[u8; 32],
) -> Result<LessSafeKey, Error> {
    let mut salt = [0u8; 64];
    salt[..32].copy_from_slice(ephemeral);
    salt[32..].copy_from_slice(recipient);
    aes_key(&*hkdf32(&salt, shared, WRAP_INFO)?)
}

/// Header MAC key: HKDF(salt = empty, ikm = FK, info = HEADER_MAC_INFO).
pub(crate) fn mac_key(file_key: &[u8; 32]) -> Result<hmac::Key, Error> {
    Ok(hmac::Key::new(
        hmac::HMAC_SHA256,
        &hkdf32(&[], file_key, HEADER_MAC_INFO)?[..],
    ))
}

/// Payload key: HKDF(salt = payload salt S, ikm = FK, info = PAYLOAD_INFO).
pub(crate) fn payload_key(file_key: &[u8; 32], salt: &[u8; 32]) -> Result<LessSafeKey, Error> {
    aes_key(&*hkdf32(salt, file_key, PAYLOAD_INFO)?)
}

/// The STREAM nonce of chunk `index`: an 11-byte big-endian counter, then the last-chunk flag.
pub(crate) fn chunk_nonce(index: u64, last: bool) -> Nonce {
    let mut n = [0u8; aead::NONCE_LEN];
    n[3..11].copy_from_slice(&index.to_be_bytes());
    n[11] = u8::from(last);
    Nonce::assume_unique_for_key(n)
}

/// Wraps the file key: AES-256-GCM under the wrap key, all-zero nonce (the key is used once).
pub(crate) fn wrap(key: &LessSafeKey, file_key: &[u8; 32]) -> Result<[u8; 48], Error> {
    let mut out = [0u8; 48];
    out[..32].copy_from_slice(file_key);
    let tag = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key([0; 12]),
            Aad::empty(),
            &mut out[..32],
        )
        .map_err(|_| Error::Internal)?;
    out[32..].copy_from_slice(tag.as_ref());
    Ok(out)
}

/// Unwraps a file key; `None` if the tag fails.
pub(crate) fn unwrap(key: &LessSafeKey, wrapped: &[u8; 48]) -> Option<Zeroizing<[u8; 32]>> {
    let mut buf = Zeroizing::new(*wrapped);
    let pt = key
        .open_in_place(
            Nonce::assume_unique_for_key([0; 12]),
            Aad::empty(),
            &mut buf[..],
        )
        .ok()?;
    let mut fk = Zeroizing::new([0u8; 32]);
    fk.copy_from_slice(pt.get(..32)?);
    Some(fk)
}

/// The message the sender signs: the context string, then the 32-byte digest `D`.
pub(crate) fn signed_message(digest: &[u8; 32]) -> [u8; 25 + 32] {
    let mut m = [0u8; 25 + 32];
    m[..25].copy_from_slice(SIGNATURE_CONTEXT);
    m[25..].copy_from_slice(digest);
    m
}

/// Where sealing gets its randomness from, in this order: file key, payload salt, then one
/// ephemeral secret per recipient in the order given.
pub(crate) trait Entropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), Error>;
}

/// The operating system's CSPRNG, through ring. The only source used for real bundles.
pub(crate) struct SystemEntropy(ring::rand::SystemRandom);

impl SystemEntropy {
    pub(crate) fn new() -> Self {
        SystemEntropy(ring::rand::SystemRandom::new())
    }
}

impl Entropy for SystemEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), Error> {
        self.0.fill(buf).map_err(|_| Error::Random)
    }
}

/// A deterministic stream for test vectors only: the BLAKE3 XOF of the seed in derive-key mode.
pub(crate) struct SeededEntropy(blake3::OutputReader);

impl SeededEntropy {
    pub(crate) fn new(seed: &[u8; 32]) -> Self {
        let mut h =
            blake3::Hasher::new_derive_key("zicht-bundle/v1 test-vector entropy (insecure)");
        h.update(seed);
        SeededEntropy(h.finalize_xof())
    }
}

impl Entropy for SeededEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), Error> {
        self.0.fill(buf);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What x25519-dalek's ladder computes (`None` for an all-zero result).
    fn ladder(secret: [u8; 32], public: [u8; 32]) -> Option<[u8; 32]> {
        let ss = x25519_dalek::StaticSecret::from(secret)
            .diffie_hellman(&x25519_dalek::PublicKey::from(public));
        ss.was_contributory().then(|| *ss.as_bytes())
    }

    fn check(secret: [u8; 32], public: [u8; 32]) {
        assert_eq!(
            x25519(&secret, &public).map(|s| *s),
            ladder(secret, public),
            "secret {secret:02x?} public {public:02x?}"
        );
    }

    #[test]
    fn x25519_matches_the_ladder_on_edge_points() {
        // 0, 1, p - 1, p, p + 1, 2^255 - 1 and all ones (non-canonical and high-bit values:
        // RFC 7748 masks bit 255 and reduces mod p), and a point of order 8.
        let le = |low: u8, top: u8| {
            let mut q = [0xffu8; 32];
            q[0] = low;
            q[31] = top;
            q
        };
        let mut one = [0u8; 32];
        one[0] = 1;
        let mut edges = vec![
            [0u8; 32],
            one,
            le(0xec, 0x7f),
            le(0xed, 0x7f),
            le(0xee, 0x7f),
        ];
        edges.extend([le(0xff, 0x7f), [0xff; 32]]);
        edges.push(
            // A point of order 8.
            [
                0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f,
                0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16,
                0x5f, 0x49, 0xb8, 0x00,
            ],
        );
        for e in edges {
            for s in [[0u8; 32], [0xff; 32], [7; 32]] {
                check(s, e);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// On the curve (honest keys) the Edwards path is taken.
        #[test]
        fn x25519_matches_the_ladder_for_keys(a: [u8; 32], b: [u8; 32]) {
            let public = *x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(b))
                .as_bytes();
            check(a, public);
        }

        /// Any 32 bytes: about half are on the twist and take the ladder.
        #[test]
        fn x25519_matches_the_ladder_for_any_bytes(a: [u8; 32], u: [u8; 32]) {
            check(a, u);
        }
    }
}
