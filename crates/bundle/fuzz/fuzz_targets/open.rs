//! The whole open path on arbitrary bytes, with the keys of the test vectors
//! (`../tests/vectors/*.bundle` make a good seed corpus): never panics, and whatever opens has
//! the id of its bytes.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use zicht_bundle::{open, BundleId, RecipientSecretKey, SenderKey, SenderPublicKey};

struct Keys {
    table: RecipientSecretKey,
    backup: RecipientSecretKey,
    sender: SenderPublicKey,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys {
        table: RecipientSecretKey::from_bytes([0x71; 32]),
        backup: RecipientSecretKey::from_bytes([0x72; 32]),
        sender: SenderKey::from_seed(&[0x5e; 32]).unwrap().public_key(),
    })
}

fuzz_target!(|data: &[u8]| {
    let k = keys();
    for me in [&k.table, &k.backup] {
        let mut plain = Vec::new();
        if let Ok(opened) = open(data, &mut plain, me, &k.sender) {
            assert_eq!(opened.id, BundleId::of(data));
            assert_eq!(opened.len, data.len() as u64);
            assert_eq!(opened.plaintext_len, plain.len() as u64);
        }
    }
});
