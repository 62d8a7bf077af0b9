//! Test vectors in `tests/vectors/` (format §12). `vectors` reads the files and checks them;
//! nothing is regenerated unless asked for with
//! `ZICHT_REGEN_VECTORS=1 cargo test -p zicht-bundle --test integration -- --ignored regenerate_vectors`.

use std::path::PathBuf;

use zicht_bundle::insecure_test_support::seal_with_seed_insecure;
use zicht_bundle::{open, BundleId, RecipientSecretKey, SenderKey, SenderPublicKey};

use crate::common::payload;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex {s}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn arr(s: &str) -> [u8; 32] {
    unhex(s).try_into().expect("32 bytes")
}

#[derive(Clone)]
enum Plain {
    Hex(Vec<u8>),
    Pattern(usize),
}

impl Plain {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Plain::Hex(b) => b.clone(),
            Plain::Pattern(n) => payload(*n),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Mutation {
    None,
    Truncate(usize),
    Flip(usize, u8),
    Set(usize, u8),
}

impl Mutation {
    fn apply(self, mut b: Vec<u8>) -> Vec<u8> {
        match self {
            Mutation::None => {}
            Mutation::Truncate(n) => b.truncate(n),
            Mutation::Flip(at, bit) => b[at] ^= 1 << bit,
            Mutation::Set(at, v) => b[at] = v,
        }
        b
    }
    fn spell(self) -> String {
        match self {
            Mutation::None => "none".into(),
            Mutation::Truncate(n) => format!("truncate {n}"),
            Mutation::Flip(at, bit) => format!("flip {at} {bit}"),
            Mutation::Set(at, v) => format!("set {at} {v}"),
        }
    }
    fn parse(s: &str) -> Self {
        let w: Vec<&str> = s.split_whitespace().collect();
        match w.as_slice() {
            ["none"] => Mutation::None,
            ["truncate", n] => Mutation::Truncate(n.parse().unwrap()),
            ["flip", at, bit] => Mutation::Flip(at.parse().unwrap(), bit.parse().unwrap()),
            ["set", at, v] => Mutation::Set(at.parse().unwrap(), v.parse().unwrap()),
            _ => panic!("bad mutation {s}"),
        }
    }
}

struct Vector {
    name: String,
    description: String,
    sender_seed: [u8; 32],
    recipients: Vec<[u8; 32]>,
    entropy_seed: [u8; 32],
    opener: [u8; 32],
    sender_known: bool,
    plaintext: Plain,
    mutation: Mutation,
    expect: String,
}

impl Vector {
    fn seal(&self) -> Vec<u8> {
        let sender = SenderKey::from_seed(&self.sender_seed).unwrap();
        let publics: Vec<_> = self
            .recipients
            .iter()
            .map(|r| RecipientSecretKey::from_bytes(*r).public_key())
            .collect();
        let mut out = Vec::new();
        seal_with_seed_insecure(
            &self.plaintext.bytes()[..],
            &mut out,
            &sender,
            &publics,
            &self.entropy_seed,
        )
        .unwrap();
        self.mutation.apply(out)
    }

    fn render(&self, id: &BundleId) -> String {
        let mut s =
            String::from("# Zicht bundle format v1 test vector (docs/bundle-format.md §12)\n");
        s += &format!("description = {}\n", self.description);
        s += &format!("sender_seed = {}\n", hex(&self.sender_seed));
        for r in &self.recipients {
            s += &format!("recipient_secret = {}\n", hex(r));
        }
        s += &format!("entropy_seed = {}\n", hex(&self.entropy_seed));
        s += &format!("opener_secret = {}\n", hex(&self.opener));
        s += &format!(
            "sender_known = {}\n",
            if self.sender_known { "yes" } else { "no" }
        );
        match &self.plaintext {
            Plain::Hex(b) => s += &format!("plaintext_hex = {}\n", hex(b)),
            Plain::Pattern(n) => s += &format!("plaintext_pattern = {n}\n"),
        }
        s += &format!("mutation = {}\n", self.mutation.spell());
        s += &format!("id = {id}\n");
        s += &format!("expect = {}\n", self.expect);
        s
    }

    fn parse(name: &str, text: &str) -> (Self, String) {
        let mut v = Vector {
            name: name.into(),
            description: String::new(),
            sender_seed: [0; 32],
            recipients: vec![],
            entropy_seed: [0; 32],
            opener: [0; 32],
            sender_known: true,
            plaintext: Plain::Hex(vec![]),
            mutation: Mutation::None,
            expect: String::new(),
        };
        let mut id = String::new();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let (k, val) = line
                .split_once(" = ")
                .unwrap_or_else(|| panic!("{name}: bad line {line}"));
            match k {
                "description" => v.description = val.into(),
                "sender_seed" => v.sender_seed = arr(val),
                "recipient_secret" => v.recipients.push(arr(val)),
                "entropy_seed" => v.entropy_seed = arr(val),
                "opener_secret" => v.opener = arr(val),
                "sender_known" => v.sender_known = val == "yes",
                "plaintext_hex" => v.plaintext = Plain::Hex(unhex(val)),
                "plaintext_pattern" => v.plaintext = Plain::Pattern(val.parse().unwrap()),
                "mutation" => v.mutation = Mutation::parse(val),
                "id" => id = val.into(),
                "expect" => v.expect = val.into(),
                _ => panic!("{name}: unknown key {k}"),
            }
        }
        (v, id)
    }
}

fn specs() -> Vec<Vector> {
    let sender_seed = [0x5e; 32];
    let table = [0x71; 32]; // the regional table
    let backup = [0x72; 32]; // the municipality's back-up officer
    let outsider = [0x73; 32];
    let text = "Signaal: mogelijke arbeidsuitbuiting, pand Voorbeeldstraat 1. Doorsturen naar de regionale tafel.".as_bytes().to_vec();
    let v = |name: &str, description: &str, recipients: Vec<[u8; 32]>, plaintext: Plain| Vector {
        name: name.into(),
        description: description.into(),
        sender_seed,
        opener: recipients[0],
        recipients,
        entropy_seed: [0; 32],
        sender_known: true,
        plaintext,
        mutation: Mutation::None,
        expect: "ok".into(),
    };
    let mut out = vec![
        v(
            "01-empty",
            "empty payload: one empty last chunk",
            vec![table],
            Plain::Hex(vec![]),
        ),
        v(
            "02-one-byte",
            "one byte",
            vec![table],
            Plain::Hex(b"Z".to_vec()),
        ),
        v(
            "03-two-recipients",
            "text to the regional table and the back-up officer, opened by the second",
            vec![table, backup],
            Plain::Hex(text.clone()),
        ),
        v(
            "04-one-full-chunk",
            "65536 bytes: one full last chunk",
            vec![table],
            Plain::Pattern(65536),
        ),
        v(
            "05-chunk-plus-one",
            "65537 bytes: a full chunk and a 1-byte last chunk",
            vec![table],
            Plain::Pattern(65537),
        ),
        v(
            "06-three-recipients",
            "150000 bytes, three chunks, three recipients",
            vec![backup, table, outsider],
            Plain::Pattern(150_000),
        ),
        v(
            "10-not-for-me",
            "opened by a key that is not a recipient",
            vec![table, backup],
            Plain::Hex(text.clone()),
        ),
        v(
            "11-unknown-sender",
            "the sender is not in the directory",
            vec![table],
            Plain::Hex(text.clone()),
        ),
        v(
            "12-truncated",
            "the last 100 bytes are missing",
            vec![table],
            Plain::Pattern(65537),
        ),
        v(
            "13-tampered-chunk",
            "one bit flipped in chunk 1",
            vec![table],
            Plain::Pattern(65537),
        ),
        v(
            "14-bad-signature",
            "one bit flipped in the signature",
            vec![table],
            Plain::Hex(text.clone()),
        ),
        v(
            "15-tampered-header",
            "one bit flipped in the payload salt",
            vec![table],
            Plain::Hex(text.clone()),
        ),
        v(
            "16-unsupported-version",
            "version byte set to 2",
            vec![table],
            Plain::Hex(text.clone()),
        ),
    ];
    for (i, x) in out.iter_mut().enumerate() {
        x.entropy_seed = [i as u8 + 1; 32];
    }
    out[2].opener = backup;
    out[6].opener = outsider;
    out[6].expect = "bundle.not_for_me".into();
    out[7].sender_known = false;
    out[7].expect = "bundle.unknown_sender".into();
    out[8].mutation = Mutation::Truncate(187 + 65537 + 32 + 72 - 100);
    out[8].expect = "bundle.truncated".into();
    out[9].mutation = Mutation::Flip(187 + 65552, 0);
    out[9].expect = "bundle.tampered_chunk".into();
    out[10].mutation = Mutation::Flip(187 + text.len() + 16 + 8 + 10, 4);
    out[10].expect = "bundle.bad_signature".into();
    out[11].mutation = Mutation::Flip(30, 2);
    out[11].expect = "bundle.tampered_header".into();
    out[12].mutation = Mutation::Set(8, 2);
    out[12].expect = "bundle.unsupported_version".into();
    out
}

#[test]
#[ignore = "writes tests/vectors/; run on purpose with ZICHT_REGEN_VECTORS=1"]
fn regenerate_vectors() {
    assert_eq!(
        std::env::var("ZICHT_REGEN_VECTORS").as_deref(),
        Ok("1"),
        "set ZICHT_REGEN_VECTORS=1 to overwrite the test vectors"
    );
    std::fs::create_dir_all(dir()).unwrap();
    for v in specs() {
        let bundle = v.seal();
        let id = BundleId::of(&bundle);
        std::fs::write(dir().join(format!("{}.bundle", v.name)), &bundle).unwrap();
        std::fs::write(dir().join(format!("{}.txt", v.name)), v.render(&id)).unwrap();
    }
}

#[test]
fn vectors() {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .expect("tests/vectors exists")
        .filter_map(|e| {
            let p = e.unwrap().path();
            (p.extension()? == "txt").then(|| p.file_stem().unwrap().to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    assert_eq!(
        names.len(),
        specs().len(),
        "every vector file present: {names:?}"
    );
    for name in &names {
        let text = std::fs::read_to_string(dir().join(format!("{name}.txt"))).unwrap();
        let (v, id) = Vector::parse(name, &text);
        let bundle = std::fs::read(dir().join(format!("{name}.bundle"))).unwrap();
        assert_eq!(BundleId::of(&bundle).to_string(), id, "{name}: id");

        let me = RecipientSecretKey::from_bytes(v.opener);
        let sender = SenderKey::from_seed(&v.sender_seed).unwrap().public_key();
        let directory: Vec<SenderPublicKey> = if v.sender_known { vec![sender] } else { vec![] };
        let mut plain = Vec::new();
        match open(&bundle[..], &mut plain, &me, &directory) {
            Ok(opened) => {
                assert_eq!(v.expect, "ok", "{name}: opened but expected {}", v.expect);
                assert!(plain == v.plaintext.bytes(), "{name}: plaintext");
                assert_eq!(opened.id.to_string(), id, "{name}: id");
                assert_eq!(opened.sender, sender);
            }
            Err(e) => assert_eq!(e.code(), v.expect, "{name}: {e}"),
        }
        // The implementation still produces these exact bytes from these seeds.
        assert!(
            v.seal() == bundle,
            "{name}: re-sealing gives different bytes (format drift?)"
        );
        assert_eq!(v.name, *name);
    }
}
