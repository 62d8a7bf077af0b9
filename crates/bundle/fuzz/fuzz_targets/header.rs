//! The header parser on arbitrary bytes: never panics, and what it accepts is consistent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zicht_bundle::{Header, FIXED_HEADER_LEN, MAC_LEN, MAX_RECIPIENTS, STANZA_LEN};

fuzz_target!(|data: &[u8]| {
    if let Ok(h) = Header::parse(data) {
        let n = h.recipients().count();
        assert!((1..=MAX_RECIPIENTS).contains(&n));
        assert_eq!(h.len(), FIXED_HEADER_LEN + n * STANZA_LEN + MAC_LEN);
        assert!(h.len() <= data.len());
        assert_eq!(h.as_bytes(), &data[..h.len()]);
    }
});
