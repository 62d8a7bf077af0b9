//! The few envelope fields the relay reads: a structural parse of the cleartext bundle header
//! (`docs/bundle-format.md` §3, §5), written from that document. The endpoint reads only the
//! recipient key ids (to route) and checks the framing; it never holds a key that could unwrap
//! a stanza, and it does not verify the sender's signature (the recipient does, with
//! `zicht-bundle`).

/// `"ZICHTBDL"`.
pub const MAGIC: &[u8; 8] = b"ZICHTBDL";
/// `"ZICHTEND"`.
pub const END_MARKER: &[u8; 8] = b"ZICHTEND";
/// The only version this relay routes.
pub const VERSION: u8 = 1;
/// Fixed header bytes before the stanzas: magic, version, sender key id, salt, count.
pub const FIXED: usize = 8 + 1 + 16 + 32 + 2;
/// One recipient stanza.
pub const STANZA: usize = 96;
/// Header MAC.
pub const MAC: usize = 32;
/// Trailer: end marker and signature.
pub const TRAILER: usize = 8 + 64;
/// Smallest payload: one chunk holding at least its 16-byte tag.
pub const MIN_PAYLOAD: usize = 16;
/// Largest recipient count the format allows.
pub const MAX_RECIPIENTS: usize = 1024;

/// Why an upload is not a routable envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvelopeError {
    /// Wrong magic, bad count, duplicate recipients, too short, no end marker.
    Malformed(&'static str),
    /// A version this relay does not know.
    UnsupportedVersion(u8),
}

/// What the relay learns from an envelope header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeHeader {
    pub sender_key_id: [u8; 16],
    pub recipients: Vec<[u8; 16]>,
}

/// Parses the header and checks the framing of a whole envelope.
pub fn parse(envelope: &[u8]) -> Result<EnvelopeHeader, EnvelopeError> {
    if envelope.len() < FIXED {
        return Err(EnvelopeError::Malformed("korter dan de vaste kop"));
    }
    if &envelope[..8] != MAGIC {
        return Err(EnvelopeError::Malformed("geen Zicht-bundel (magic)"));
    }
    if envelope[8] != VERSION {
        return Err(EnvelopeError::UnsupportedVersion(envelope[8]));
    }
    let mut sender_key_id = [0u8; 16];
    sender_key_id.copy_from_slice(&envelope[9..25]);
    let n = u16::from_be_bytes([envelope[57], envelope[58]]) as usize;
    if n == 0 || n > MAX_RECIPIENTS {
        return Err(EnvelopeError::Malformed(
            "aantal ontvangers buiten 1..=1024",
        ));
    }
    let header_len = FIXED + STANZA * n + MAC;
    if envelope.len() < header_len + MIN_PAYLOAD + TRAILER {
        return Err(EnvelopeError::Malformed(
            "te kort voor kop, inhoud en afsluiting",
        ));
    }
    let end = &envelope[envelope.len() - TRAILER..envelope.len() - 64];
    if end != END_MARKER {
        return Err(EnvelopeError::Malformed("afsluiting ontbreekt"));
    }
    let mut recipients: Vec<[u8; 16]> = Vec::with_capacity(n);
    for i in 0..n {
        let at = FIXED + STANZA * i;
        let mut rid = [0u8; 16];
        rid.copy_from_slice(&envelope[at..at + 16]);
        if recipients.contains(&rid) {
            return Err(EnvelopeError::Malformed("dubbele ontvanger"));
        }
        recipients.push(rid);
    }
    Ok(EnvelopeHeader {
        sender_key_id,
        recipients,
    })
}

/// A structurally valid envelope of exactly `total_len` bytes whose cryptographic fields are
/// filled from `fill` (not a sealed bundle: no one can open it). For tests and the load
/// generator only; the relay cannot tell the difference, which is the point of a relay.
#[doc(hidden)]
pub fn synthetic(
    sender_key_id: [u8; 16],
    recipients: &[[u8; 16]],
    total_len: usize,
    fill: &mut dyn FnMut(&mut [u8]),
) -> Vec<u8> {
    let n = recipients.len();
    let min = FIXED + STANZA * n + MAC + MIN_PAYLOAD + TRAILER;
    let total_len = total_len.max(min);
    let mut v = vec![0u8; total_len];
    fill(&mut v);
    v[..8].copy_from_slice(MAGIC);
    v[8] = VERSION;
    v[9..25].copy_from_slice(&sender_key_id);
    v[57..59].copy_from_slice(&(n as u16).to_be_bytes());
    for (i, rid) in recipients.iter().enumerate() {
        let at = FIXED + STANZA * i;
        v[at..at + 16].copy_from_slice(rid);
    }
    let end = total_len - TRAILER;
    v[end..end + 8].copy_from_slice(END_MARKER);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What is changed, the change, what `parse` must answer.
    type Case<'a> = (&'a str, &'a dyn Fn(&mut [u8]), EnvelopeError);

    #[test]
    fn synthetic_parses_and_mutations_do_not() {
        let r = [[1u8; 16], [2u8; 16]];
        let mut k = 0u8;
        let env = synthetic([9; 16], &r, 4096, &mut |b| {
            for x in b {
                k = k.wrapping_add(1);
                *x = k;
            }
        });
        assert_eq!(env.len(), 4096);
        let h = parse(&env).unwrap();
        assert_eq!(h.recipients, r.to_vec());
        assert_eq!(h.sender_key_id, [9; 16]);
        for len in 0..env.len() {
            assert!(parse(&env[..len]).is_err(), "prefix {len}");
        }
        let count = |n: u16| move |e: &mut [u8]| e[57..59].copy_from_slice(&n.to_be_bytes());
        let bad_recipients = EnvelopeError::Malformed("aantal ontvangers buiten 1..=1024");
        // One change to the whole envelope each, and what `parse` must say to it.
        let cases: [Case; 6] = [
            (
                "version 2",
                &|e| e[8] = 2,
                EnvelopeError::UnsupportedVersion(2),
            ),
            (
                "a recipient twice",
                &|e| e[FIXED + STANZA..FIXED + STANZA + 16].copy_from_slice(&[1u8; 16]),
                EnvelopeError::Malformed("dubbele ontvanger"),
            ),
            ("no recipients", &count(0), bad_recipients.clone()),
            ("1025 recipients", &count(1025), bad_recipients),
            (
                "wrong magic",
                &|e| e[0] ^= 1,
                EnvelopeError::Malformed("geen Zicht-bundel (magic)"),
            ),
            (
                "no end marker",
                &|e| {
                    let at = e.len() - TRAILER;
                    e[at] ^= 1
                },
                EnvelopeError::Malformed("afsluiting ontbreekt"),
            ),
        ];
        for (what, change, want) in cases {
            let mut bad = env.clone();
            change(&mut bad);
            assert_eq!(parse(&bad), Err(want), "{what}");
        }
    }
}
