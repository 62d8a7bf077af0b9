//! Model-based property test of the encrypted store against a `BTreeMap`, with reopen steps
//! (the sled habit): after every step the store must equal the model, also after a reopen.

use proptest::prelude::*;
use std::collections::BTreeMap;
use zicht_core::testing::DataKey;
use zicht_core::testing::Kv;
use zicht_core::testing::SealedRecords as Vault;

#[derive(Debug, Clone)]
enum Op {
    Put(u8, Vec<u8>),
    Remove(u8),
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0u8..16, proptest::collection::vec(any::<u8>(), 0..300)).prop_map(|(k, v)| Op::Put(k, v)),
        3 => (0u8..16).prop_map(Op::Remove),
        1 => Just(Op::Reopen),
    ]
}

fn key(k: u8) -> [u8; 2] {
    [b'k', k]
}

fn assert_same(kv: &Kv, dk: &DataKey, model: &BTreeMap<u8, Vec<u8>>) {
    let v = Vault::new(kv, dk);
    let mut seen = BTreeMap::new();
    v.for_each("model", |k, val: Vec<u8>| {
        seen.insert(k[1], val);
        Ok(())
    })
    .unwrap();
    assert_eq!(&seen, model);
    for k in 0u8..16 {
        assert_eq!(
            v.get::<Vec<u8>>("model", &key(k)).unwrap().as_ref(),
            model.get(&k)
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn store_behaves_like_a_btreemap(ops in proptest::collection::vec(op(), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let dk = DataKey::generate().unwrap();
        let mut kv = Kv::open(dir.path()).unwrap();
        let mut model = BTreeMap::new();
        for op in ops {
            match op {
                Op::Put(k, v) => {
                    Vault::new(&kv, &dk).put("model", &key(k), &v).unwrap();
                    kv.sync().unwrap();
                    model.insert(k, v);
                }
                Op::Remove(k) => {
                    let existed = Vault::new(&kv, &dk).remove("model", &key(k)).unwrap();
                    kv.sync().unwrap();
                    prop_assert_eq!(existed, model.remove(&k).is_some());
                }
                // Regression guard: a reopen right after the drop once failed with `in_use`
                // (sled frees its file lock from a background thread); Kv::open now waits.
                Op::Reopen => {
                    drop(kv);
                    kv = Kv::open(dir.path()).unwrap();
                }
            }
            assert_same(&kv, &dk, &model);
        }
        // A different key opens nothing.
        let other = DataKey::generate().unwrap();
        if let Some(k) = model.keys().next() {
            prop_assert!(Vault::new(&kv, &other).get::<Vec<u8>>("model", &key(*k)).is_err());
        }
    }
}

#[test]
fn a_value_moved_to_another_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let dk = DataKey::generate().unwrap();
    let kv = Kv::open(dir.path()).unwrap();
    Vault::new(&kv, &dk)
        .put("model", b"a", &vec![1u8, 2, 3])
        .unwrap();
    let raw = kv.get("model", b"a").unwrap().unwrap();
    kv.insert("model", b"b", &raw).unwrap();
    kv.insert("other", b"a", &raw).unwrap();
    let v = Vault::new(&kv, &dk);
    assert_eq!(
        v.get::<Vec<u8>>("model", b"a").unwrap(),
        Some(vec![1, 2, 3])
    );
    assert_eq!(
        v.get::<Vec<u8>>("model", b"b").unwrap_err().code(),
        zicht_model::ErrorCode::Corrupt
    );
    assert_eq!(
        v.get::<Vec<u8>>("other", b"a").unwrap_err().code(),
        zicht_model::ErrorCode::Corrupt
    );
}
