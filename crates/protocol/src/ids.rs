//! Identifiers (`docs/regio-protocol.md` §2): key ids, device ids, envelope ids and body
//! digests. All hex is lowercase.

fn key_id(label: &[u8], public_key: &[u8]) -> [u8; 16] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(label);
    ctx.update(public_key);
    let d = ctx.finish();
    let mut out = [0u8; 16];
    out.copy_from_slice(&d.as_ref()[..16]);
    out
}

/// Key id of an Ed25519 public key, as `docs/bundle-format.md` §2.1 defines the sender key id:
/// `SHA-256("zicht-bundle/v1/key-id/ed25519" || pk)[0..16]`.
pub fn ed25519_key_id(public_key: &[u8]) -> [u8; 16] {
    key_id(b"zicht-bundle/v1/key-id/ed25519", public_key)
}

/// Recipient key id of an X25519 public key (`docs/bundle-format.md` §2.1):
/// `SHA-256("zicht-bundle/v1/key-id/x25519" || pk)[0..16]`.
pub fn x25519_key_id(public_key: &[u8]) -> [u8; 16] {
    key_id(b"zicht-bundle/v1/key-id/x25519", public_key)
}

/// The device id the endpoint knows a device by: lowercase hex of [`ed25519_key_id`] of its
/// signing key (so it equals the sender key id in the bundles it seals).
pub fn device_id(ed25519_public_key: &[u8]) -> String {
    hex::encode(ed25519_key_id(ed25519_public_key))
}

/// Envelope id (`docs/bundle-format.md` §6): lowercase hex BLAKE3 of all envelope bytes.
pub fn envelope_id(envelope: &[u8]) -> String {
    hex::encode(blake3::hash(envelope).as_bytes())
}

/// The body digest that goes into the canonical request: lowercase hex BLAKE3 of the body
/// bytes exactly as sent (the empty body included). For a `PUT` it equals the envelope id.
pub fn body_digest(body: &[u8]) -> String {
    envelope_id(body)
}
