//! Monitor benchmark (issue 15): all breakdowns of one year over 100 000 signals held plus a
//! ledger of the purged records of the years before, with the small-cell protection applied
//! (it always is). Budget: ≤ 10 ms. Baseline in the same run: one pass over the same signals
//! that only counts them by kind (`list_signals` with a filter that matches nothing is the
//! closest public pass over the index), so the ratio says what the breakdowns and their
//! protection cost on top of touching every record once. Nothing is asserted.
//!
//! `cargo bench -p zicht-core --bench monitor`. `ZICHT_BENCH_N` changes the 100 000.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate};
use criterion::{black_box, Criterion};
use std::time::{Duration as StdDuration, Instant};
use zicht_core::{Now, Zicht};
use zicht_model::*;

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
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

/// A signal observed `days_ago` days before now, with a spread of categories.
fn input(rng: &mut Rng, days_ago: i64) -> SignalInput {
    let day = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap() - Duration::days(days_ago);
    let nat = rng.pick(&["Pools", "Roemeense", "Nederlandse", "Oekraïense", ""]);
    SignalInput {
        kind: rng.pick(&[
            RecordKind::Signaal,
            RecordKind::Signaal,
            RecordKind::Adviesvraag,
        ]),
        observed_at: Some(day.and_hms_opt(9, 0, 0).unwrap()),
        source: Some(rng.pick(Source::ALL)),
        sector: Some(rng.pick(Sector::ALL)),
        location: Location {
            description: "Adres".into(),
            lat: None,
            lon: None,
        },
        forms: vec![rng.pick(&[Form::Arbeid, Form::Seksueel, Form::Crimineel])],
        indicators: vec![],
        observation: "Waarneming.".into(),
        persons: vec![Person {
            label: "P1".into(),
            role: rng.pick(PersonRole::ALL),
            age_band: rng.pick(AgeBand::ALL),
            minor: false,
            nationality: Some(nat.into()),
        }],
        urgency: rng.pick(Urgency::ALL),
        control_id: None,
    }
}

fn main() {
    let n: usize = std::env::var("ZICHT_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let mut c = Criterion::default()
        .sample_size(30)
        .measurement_time(StdDuration::from_secs(5))
        .configure_from_args();
    let base = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target");
    let tmp = tempfile::tempdir_in(base).unwrap();
    let mut z =
        Zicht::open_with_kdf_for_tests(tmp.path(), zicht_core::testing::cheap_kdf()).unwrap();
    z.setup(
        SetupInput {
            name: "Bench".into(),
            role: Role::Aandachtsfunctionaris,
            municipality: "Zutphen".into(),
            passphrase: "benchmark wachtwoord zin".into(),
            passphrase_repeat: "benchmark wachtwoord zin".into(),
        },
        now(),
    )
    .unwrap();
    let mut rng = Rng(0x5EED_0000_0000_0015);
    let t = Instant::now();
    // Five years before the last two: purged into the ledger (a fifth as many per year).
    let old = n / 2;
    fn fill(z: &mut Zicht, count: usize, from_days: i64, span_days: i64, rng: &mut Rng) {
        for chunk in 0..count.div_ceil(10_000) {
            let batch: Vec<SignalInput> = (0..10_000.min(count - chunk * 10_000))
                .map(|_| {
                    let days = from_days + (rng.next() % span_days as u64) as i64;
                    input(rng, days)
                })
                .collect();
            z.record_signals_batch(batch, now()).unwrap();
        }
    }
    fill(&mut z, old, 730, 5 * 365, &mut rng);
    let purged = z.purge_expired(now()).unwrap();
    fill(&mut z, n, 0, 700, &mut rng);
    eprintln!(
        "{n} signals held, {} purged into the ledger, in {:.1} s",
        purged.signals + purged.adviesvragen,
        t.elapsed().as_secs_f64()
    );
    let year = MonitorQuery {
        period: PeriodKind::Year,
        year: 2026,
        part: 0,
        from: None,
        to: None,
        filter: MonitorFilter::default(),
    };
    let old_year = MonitorQuery {
        year: 2023,
        ..year.clone()
    };
    let nothing = SignalFilter {
        text: Some("\u{1}".into()),
        ..Default::default()
    };
    let mut g = c.benchmark_group("monitor");
    g.bench_function("one_pass_baseline", |b| {
        b.iter(|| black_box(z.list_signals(&nothing).unwrap()))
    });
    g.bench_function("year_all_breakdowns", |b| {
        b.iter(|| black_box(z.monitor(&year, now()).unwrap()))
    });
    g.bench_function("year_from_ledger", |b| {
        b.iter(|| black_box(z.monitor(&old_year, now()).unwrap()))
    });
    g.finish();

    let sample = |f: &mut dyn FnMut()| -> StdDuration {
        let mut v: Vec<StdDuration> = (0..50)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect();
        v.sort();
        v[v.len() / 2]
    };
    let base = sample(&mut || {
        black_box(z.list_signals(&nothing).unwrap());
    });
    let rep = sample(&mut || {
        black_box(z.monitor(&year, now()).unwrap());
    });
    let led = sample(&mut || {
        black_box(z.monitor(&old_year, now()).unwrap());
    });
    let ms = |d: StdDuration| d.as_secs_f64() * 1e3;
    println!();
    println!("== Zicht monitor report ({n} signals held, ledger of the years before) ==");
    println!("one pass over the index (baseline): p50 {:.2} ms", ms(base));
    println!(
        "year 2026, all breakdowns, protected: p50 {:.2} ms = {:.1}x baseline (budget 10 ms)",
        ms(rep),
        ms(rep) / ms(base)
    );
    println!(
        "year 2023 (ledger), all breakdowns, protected: p50 {:.2} ms = {:.1}x baseline",
        ms(led),
        ms(led) / ms(base)
    );
}
