//! Fixtures shared by the test modules.

use std::io::{self, Read};

use zicht_bundle::insecure_test_support::seal_with_seed_insecure;
use zicht_bundle::{
    open, seal, Error, Opened, RecipientPublicKey, RecipientSecretKey, Sealed, SenderKey,
    SenderLookup,
};

/// A deterministic sender key ("the municipality's device").
pub fn sender(n: u8) -> SenderKey {
    SenderKey::from_seed(&[n; 32]).expect("seed")
}

/// A deterministic recipient key.
pub fn recipient(n: u8) -> RecipientSecretKey {
    RecipientSecretKey::from_bytes([0x40 ^ n; 32])
}

/// A payload of `len` bytes that is not all one value.
pub fn payload(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i.wrapping_mul(31).wrapping_add(i >> 11)) as u8)
        .collect()
}

pub fn seal_vec(data: &[u8], from: &SenderKey, to: &[RecipientPublicKey]) -> (Vec<u8>, Sealed) {
    let mut out = Vec::new();
    let sealed = seal(data, &mut out, from, to).expect("seal");
    (out, sealed)
}

pub fn seal_seeded(data: &[u8], from: &SenderKey, to: &[RecipientPublicKey], seed: u8) -> Vec<u8> {
    let mut out = Vec::new();
    seal_with_seed_insecure(data, &mut out, from, to, &[seed; 32]).expect("seal");
    out
}

pub fn open_vec(
    bundle: &[u8],
    me: &RecipientSecretKey,
    senders: &dyn SenderLookup,
) -> Result<(Vec<u8>, Opened), Error> {
    let mut out = Vec::new();
    let opened = open(bundle, &mut out, me, senders)?;
    Ok((out, opened))
}

/// A reader that hands out at most `max` bytes per call (and sometimes fewer), to exercise
/// short reads.
pub struct Choppy<'a> {
    pub data: &'a [u8],
    pub max: usize,
    pub calls: usize,
}

impl Read for Choppy<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.calls.is_multiple_of(7) {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "try again"));
        }
        let n = self.max.min(buf.len()).min(self.data.len());
        let n = if self.calls.is_multiple_of(3) {
            n.div_ceil(2)
        } else {
            n
        };
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}
