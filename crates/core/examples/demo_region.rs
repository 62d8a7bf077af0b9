//! Generates the demo region: a region root key, a participant for every municipality of the
//! plans (an attention officer each) and a regional table per region, each with fresh keys, and
//! the directory signed by the root. Used by `cargo xtask demo-region` and by tests.
//!
//! ```text
//! cargo run -p zicht-core --example demo_region -- --out <dir> [--device '<Participant JSON>']...
//! ```
//!
//! Writes to `<dir>`:
//! - `regio-root.pk8`: the root's secret key (PKCS#8). DEMO ONLY: a real region keeps it offline.
//!   Reused when present, so devices that pinned it keep accepting new editions.
//! - `deelnemers.json`: the signed directory; import it in the app (Uitwisseling).
//!   Each run bumps the version.
//! - `sleutels/<participant id>.json`: secret keys of the generated demo participants.
//!
//! `--device` adds a real device (its public keys from the app's Uitwisseling screen) as a
//! participant: `{"id":..,"municipality":..,"role":"aandachtsfunctionaris",..}`.

use ring::rand::SystemRandom;
use ring::signature::Ed25519KeyPair;
use std::path::PathBuf;
use zicht_core::identity::StoredKeys;
use zicht_model::{Directory, Participant, ParticipantRole, SignedDirectory};

fn slug(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut out = PathBuf::from("target/demo-region");
    let mut devices: Vec<Participant> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--out" => out = PathBuf::from(it.next().ok_or("--out needs a directory")?),
            "--device" => devices.push(serde_json::from_str(
                it.next().ok_or("--device needs JSON")?,
            )?),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    std::fs::create_dir_all(out.join("sleutels"))?;
    let root_path = out.join("regio-root.pk8");
    let root = match std::fs::read(&root_path) {
        Ok(b) => b,
        Err(_) => {
            let pk8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map_err(|_| "rng")?;
            std::fs::write(&root_path, pk8.as_ref())?;
            pk8.as_ref().to_vec()
        }
    };
    let previous: Option<Directory> = std::fs::read_to_string(out.join("deelnemers.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<SignedDirectory>(&t).ok())
        .and_then(|s| serde_json::from_str(&s.directory).ok());
    let version = previous.as_ref().map_or(1, |d| d.version + 1);

    let mut participants = Vec::new();
    let mut add = |id: String,
                   municipality: &str,
                   role: ParticipantRole,
                   name: String|
     -> Result<(), Box<dyn std::error::Error>> {
        // Keep a participant's keys across editions.
        let key_path = out.join("sleutels").join(format!("{id}.json"));
        let keys: StoredKeys = match std::fs::read_to_string(&key_path) {
            Ok(t) => serde_json::from_str(&t)?,
            Err(_) => {
                let k = StoredKeys::generate()?;
                std::fs::write(&key_path, serde_json::to_string(&k)?)?;
                k
            }
        };
        let public = keys.public()?;
        participants.push(Participant {
            id,
            municipality: municipality.into(),
            role,
            display_name: name,
            signing_key: public.signing_key,
            encryption_key: public.encryption_key,
            revoked: false,
        });
        Ok(())
    };
    for region in zicht_core::assets::regions()? {
        for m in &region.municipalities {
            add(
                format!("af-{}", slug(m)),
                m,
                ParticipantRole::Aandachtsfunctionaris,
                format!("Aandachtsfunctionaris {m}"),
            )?;
        }
        let first = region.municipalities.first().cloned().unwrap_or_default();
        add(
            format!("tafel-{}", region.id),
            &first,
            ParticipantRole::RegionaleTafel,
            format!("Regionale tafel {}", region.name),
        )?;
    }
    participants.extend(devices);
    let directory = Directory {
        region: "Demoregio (gemeenten uit de plannen)".into(),
        version,
        issued: "2026-11-22".into(),
        participants,
    };
    let signed = zicht_core::directory::sign(&root, &directory)?;
    std::fs::write(
        out.join("deelnemers.json"),
        serde_json::to_string_pretty(&signed)?,
    )?;
    let (_, root_pub) = zicht_core::directory::verify(&signed, None)?;
    println!(
        "demo region v{version}: {} participants",
        directory.participants.len()
    );
    println!("directory: {}", out.join("deelnemers.json").display());
    println!(
        "region root fingerprint: {}",
        zicht_core::directory::root_fingerprint(&root_pub)
    );
    Ok(())
}
