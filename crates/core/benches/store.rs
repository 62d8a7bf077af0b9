//! Store benchmarks, each measured against a baseline in the same run (ratios, not absolute
//! times, are the budgets; nothing here is asserted):
//!
//! - save one signal (validate + encrypt + durable write) with 100 000 signals stored, beside one
//!   bare 4 KiB write + fdatasync (the physical floor). Budget: p50 ≤ 3× floor, p99 ≤ 2 ms.
//! - the same write and read on raw sled (same durability, no encryption, no validation).
//!   Budget: ours/raw ≤ 1.3×.
//! - filter (form + sector + period) plus text search over 100 000 signals. Budget ≤ 20 ms.
//!
//! `cargo bench -p zicht-core --bench store`. Set `ZICHT_BENCH_N` to change the 100 000.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate};
use criterion::{black_box, Criterion};
use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::time::{Duration as StdDuration, Instant};
use zicht_core::{Now, Zicht};
use zicht_model::*;

const PASS: &str = "benchmark wachtwoord zin";
const WORDS: &[&str] = &[
    "chalet",
    "bus",
    "ochtend",
    "werkgever",
    "loon",
    "contant",
    "kamer",
    "matras",
    "tolk",
    "angstig",
    "vermoeid",
    "sleutel",
    "huur",
    "schuld",
    "telefoon",
    "uitzendbureau",
    "ploeg",
    "nacht",
    "kassa",
    "bonnetje",
    "auto",
    "buren",
    "eigenaar",
    "papieren",
    "stil",
    "beheerder",
    "voorman",
    "koffie",
    "schoonmaak",
    "kas",
    "pluk",
    "tuin",
];

fn now() -> Now {
    DateTime::<FixedOffset>::parse_from_rfc3339("2026-11-22T10:00:00+01:00").unwrap()
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A realistic signal with a ~1 KiB observation; 1 in 20 mentions "paspoort".
fn input(rng: &mut Rng) -> SignalInput {
    let mut obs = String::with_capacity(1100);
    while obs.len() < 1000 {
        obs.push_str(WORDS[rng.below(WORDS.len())]);
        obs.push(' ');
    }
    if rng.below(20) == 0 {
        obs.push_str("paspoort ingenomen");
    }
    let forms = [Form::Arbeid, Form::Seksueel, Form::Crimineel, Form::Orgaan];
    let sectors = [
        Sector::Vakantiepark,
        Sector::Kamerverhuur,
        Sector::Uitzendbureau,
        Sector::Horeca,
        Sector::Agrarisch,
        Sector::Sekswerk,
        Sector::Bouw,
        Sector::Schoonmaak,
    ];
    let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + Duration::days(rng.below(1000) as i64);
    SignalInput {
        kind: RecordKind::Signaal,
        observed_at: Some(day.and_hms_opt(9, 0, 0).unwrap()),
        source: Some(Source::IntegraleControle),
        sector: Some(sectors[rng.below(sectors.len())]),
        location: Location {
            description: format!("Adres {}", rng.below(5000)),
            lat: None,
            lon: None,
        },
        forms: vec![forms[rng.below(forms.len())]],
        indicators: vec!["arb-werk-01".into(), "sec-vak-01".into()],
        observation: obs,
        persons: vec![Person {
            label: "P1".into(),
            role: PersonRole::Slachtoffer,
            age_band: AgeBand::Van24Tot27,
            minor: false,
            nationality: None,
        }],
        urgency: Urgency::Normaal,
        control_id: None,
    }
}

fn percentiles(mut v: Vec<StdDuration>) -> (StdDuration, StdDuration) {
    v.sort();
    (v[v.len() / 2], v[(v.len() * 99) / 100])
}

fn ms(d: StdDuration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// One 4 KiB write + fdatasync on the same file system as the stores.
struct Floor(File);
impl Floor {
    fn once(&mut self, buf: &[u8]) {
        self.0.seek(SeekFrom::Start(0)).unwrap();
        self.0.write_all(buf).unwrap();
        self.0.sync_data().unwrap();
    }
}

/// Raw sled with the same durability (flush + fdatasync of the log) and plain JSON values.
struct RawSled {
    db: sled::Db,
    tree: sled::Tree,
    log: std::path::PathBuf,
}
impl RawSled {
    fn put(&self, key: &[u8], s: &Signal) {
        self.tree
            .insert(key, serde_json::to_vec(s).unwrap())
            .unwrap();
        self.db.flush().unwrap();
        File::open(&self.log).unwrap().sync_data().unwrap();
    }
    fn get(&self, key: &[u8]) -> Signal {
        serde_json::from_slice(&self.tree.get(key).unwrap().unwrap()).unwrap()
    }
}

fn main() {
    let n: usize = std::env::var("ZICHT_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let mut c = Criterion::default()
        .sample_size(50)
        .measurement_time(StdDuration::from_secs(5))
        .configure_from_args();
    // On the same file system as the workspace (not tmpfs): fsync must mean something.
    let base = std::env::var("ZICHT_BENCH_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../target").into());
    std::fs::create_dir_all(&base).unwrap();
    let tmp = tempfile::tempdir_in(base).unwrap();
    let mut rng = Rng(0x5EED_1234_ABCD_0001);

    // Our store with n signals.
    let mut z = Zicht::open(&tmp.path().join("zicht")).unwrap();
    z.setup(
        SetupInput {
            name: "Bench".into(),
            role: Role::Toezichthouder,
            municipality: "Zutphen".into(),
            passphrase: PASS.into(),
            passphrase_repeat: PASS.into(),
        },
        now(),
    )
    .unwrap();
    let t = Instant::now();
    for chunk in 0..n.div_ceil(10_000) {
        let batch: Vec<SignalInput> = (0..10_000.min(n - chunk * 10_000))
            .map(|_| input(&mut rng))
            .collect();
        z.record_signals_batch(batch, now()).unwrap();
    }
    eprintln!(
        "filled our store with {n} signals in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let ids: Vec<String> = z
        .list_signals(&SignalFilter::default())
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .take(1000)
        .collect();

    // Raw sled with the same n records (the same serialised signals, in plaintext).
    let raw_dir = tmp.path().join("raw");
    let db = sled::Config::new().path(&raw_dir).open().unwrap();
    let raw = RawSled {
        tree: db.open_tree("signals").unwrap(),
        log: raw_dir.join("db"),
        db,
    };
    let all: Vec<String> = z
        .list_signals(&SignalFilter::default())
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    for (i, id) in all.iter().enumerate() {
        raw.tree
            .insert(
                (i as u64).to_be_bytes(),
                serde_json::to_vec(&z.signal(id).unwrap()).unwrap(),
            )
            .unwrap();
    }
    raw.db.flush().unwrap();
    drop(all);

    let mut floor = Floor(File::create(tmp.path().join("floor")).unwrap());
    let page = vec![0xA5u8; 4096];

    // --- criterion measurements -----------------------------------------------------------
    let mut g = c.benchmark_group("write");
    g.bench_function("fsync_floor_4k", |b| b.iter(|| floor.once(&page)));
    let one = input(&mut rng);
    let one_signal = z.record_signal(one.clone(), now()).unwrap().signal;
    g.bench_function("save_signal_ours", |b| {
        b.iter(|| z.record_signal(black_box(one.clone()), now()).unwrap())
    });
    let mut k = n as u64;
    g.bench_function("save_signal_raw_sled", |b| {
        b.iter(|| {
            k += 1;
            raw.put(&k.to_be_bytes(), black_box(&one_signal))
        })
    });
    g.finish();

    let mut g = c.benchmark_group("read");
    let mut i = 0;
    g.bench_function("get_signal_ours", |b| {
        b.iter(|| {
            i = (i + 1) % ids.len();
            black_box(z.signal(&ids[i]).unwrap())
        })
    });
    let mut j = 0u64;
    g.bench_function("get_signal_raw_sled", |b| {
        b.iter(|| {
            j = (j + 7919) % n as u64;
            black_box(raw.get(&j.to_be_bytes()))
        })
    });
    g.finish();

    let filter = SignalFilter {
        form: Some(Form::Arbeid),
        sector: Some(Sector::Vakantiepark),
        from: NaiveDate::from_ymd_opt(2024, 6, 1),
        to: NaiveDate::from_ymd_opt(2026, 6, 1),
        text: Some("Paspoort".into()),
        ..Default::default()
    };
    let text_only = SignalFilter {
        text: Some("paspoort".into()),
        ..Default::default()
    };
    let mut g = c.benchmark_group("search");
    g.bench_function("filter_and_text_100k", |b| {
        b.iter(|| black_box(z.list_signals(&filter).unwrap()))
    });
    g.bench_function("text_only_100k", |b| {
        b.iter(|| black_box(z.list_signals(&text_only).unwrap()))
    });
    g.finish();

    // --- percentiles and ratios, same run ---------------------------------------------------
    let rounds = 1000;
    let sample = |f: &mut dyn FnMut()| -> Vec<StdDuration> {
        (0..rounds)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect()
    };
    let floor_t = sample(&mut || floor.once(&page));
    let ours_w = sample(&mut || {
        z.record_signal(one.clone(), now()).unwrap();
    });
    let raw_w = sample(&mut || {
        k += 1;
        raw.put(&k.to_be_bytes(), &one_signal)
    });
    let ours_r = sample(&mut || {
        i = (i + 1) % ids.len();
        black_box(z.signal(&ids[i]).unwrap());
    });
    let raw_r = sample(&mut || {
        j = (j + 7919) % n as u64;
        black_box(raw.get(&j.to_be_bytes()));
    });
    let search = sample(&mut || {
        black_box(z.list_signals(&filter).unwrap());
    });
    let (f50, f99) = percentiles(floor_t);
    let (w50, w99) = percentiles(ours_w);
    let (rw50, rw99) = percentiles(raw_w);
    let (r50, _) = percentiles(ours_r);
    let (rr50, _) = percentiles(raw_r);
    let (s50, s99) = percentiles(search);
    let hits = z.list_signals(&filter).unwrap().len();
    println!();
    println!("== Zicht store report ({n} signals stored, {rounds} samples each) ==");
    println!(
        "fsync floor (4 KiB + fdatasync): p50 {:.3} ms  p99 {:.3} ms",
        ms(f50),
        ms(f99)
    );
    println!("save signal (ours):              p50 {:.3} ms  p99 {:.3} ms  p50/floor {:.2}x  (budget p50 <= 3x, p99 <= 2 ms)", ms(w50), ms(w99), ms(w50) / ms(f50));
    println!(
        "save signal (raw sled, same sync): p50 {:.3} ms  p99 {:.3} ms",
        ms(rw50),
        ms(rw99)
    );
    println!(
        "write ours/raw: {:.2}x   read ours/raw: {:.2}x ({:.1} us vs {:.1} us)  (budget <= 1.3x)",
        ms(w50) / ms(rw50),
        ms(r50) / ms(rr50),
        ms(r50) * 1e3,
        ms(rr50) * 1e3
    );
    println!(
        "filter + text search over {n}: p50 {:.2} ms  p99 {:.2} ms, {hits} hits  (budget <= 20 ms)",
        ms(s50),
        ms(s99)
    );
    c.final_summary();
}
