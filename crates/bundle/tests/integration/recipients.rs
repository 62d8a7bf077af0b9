//! Several recipients: each can open, nobody else can.

use zicht_bundle::{read_header, Error, RecipientPublicKey};

use crate::common::*;

#[test]
fn each_recipient_opens_the_same_bundle() {
    let from = sender(2);
    let keys: Vec<_> = (1..=5).map(recipient).collect();
    let publics: Vec<RecipientPublicKey> = keys.iter().map(|k| k.public_key()).collect();
    let data = payload(200_000);
    let (bundle, sealed) = seal_vec(&data, &from, &publics);
    assert_eq!(bundle.len(), 91 + 96 * 5 + 200_000 + 16 * 4 + 72);
    for k in &keys {
        let (plain, opened) = open_vec(&bundle, k, &from.public_key()).expect("open");
        assert!(plain == data);
        assert_eq!(opened.id, sealed.id);
    }
    let outsider = recipient(9);
    assert!(matches!(
        open_vec(&bundle, &outsider, &from.public_key()),
        Err(Error::NotForMe)
    ));
}

#[test]
fn header_lists_recipients_for_routing() {
    let from = sender(2);
    let publics: Vec<_> = [3, 1, 2]
        .into_iter()
        .map(|n| recipient(n).public_key())
        .collect();
    let (bundle, _) = seal_vec(b"hi", &from, &publics);
    let h = read_header(&mut &bundle[..]).unwrap();
    assert_eq!(h.version(), 1);
    assert_eq!(h.sender(), from.key_id());
    let ids: Vec<_> = h.recipients().collect();
    assert_eq!(ids, publics.iter().map(|p| p.key_id()).collect::<Vec<_>>());
    assert_eq!(h.len(), 91 + 96 * 3);
}

#[test]
fn many_recipients() {
    let from = sender(2);
    let keys: Vec<_> = (0..=255u8).map(recipient).collect();
    let publics: Vec<_> = keys.iter().map(|k| k.public_key()).collect();
    let (bundle, _) = seal_vec(b"regio", &from, &publics);
    for k in [&keys[0], &keys[128], &keys[255]] {
        assert_eq!(
            open_vec(&bundle, k, &from.public_key()).unwrap().0,
            b"regio"
        );
    }
}

#[test]
fn a_senders_own_key_is_not_a_recipient_unless_listed() {
    // The sender cannot read back what it sealed for others: there is no stanza for it.
    let from = sender(2);
    let own = recipient(7);
    let (bundle, _) = seal_vec(b"x", &from, &[recipient(1).public_key()]);
    assert!(matches!(
        open_vec(&bundle, &own, &from.public_key()),
        Err(Error::NotForMe)
    ));
    let (bundle, _) = seal_vec(b"x", &from, &[recipient(1).public_key(), own.public_key()]);
    assert_eq!(open_vec(&bundle, &own, &from.public_key()).unwrap().0, b"x");
}
