// Temporary probe (not committed): wall/CPU per seal and open.
use std::time::Instant;
use zicht_bundle::{open, seal, RecipientSecretKey, SenderKey};
#[repr(C)]
struct Ts {
    s: i64,
    ns: i64,
}
extern "C" {
    fn clock_gettime(id: i32, ts: *mut Ts) -> i32;
}
fn cpu() -> f64 {
    let mut t = Ts { s: 0, ns: 0 };
    unsafe { clock_gettime(2, &mut t) };
    t.s as f64 + t.ns as f64 * 1e-9
}
fn tcpu() -> f64 {
    let mut t = Ts { s: 0, ns: 0 };
    unsafe { clock_gettime(3, &mut t) };
    t.s as f64 + t.ns as f64 * 1e-9
}
fn measure(name: &str, n: usize, mut f: impl FnMut()) {
    for _ in 0..100 {
        f();
    }
    let mut ws = vec![];
    let mut cs = vec![];
    let mut ts = vec![];
    for _ in 0..9 {
        let (w, c, tc) = (Instant::now(), cpu(), tcpu());
        for _ in 0..n {
            f();
        }
        ws.push(w.elapsed().as_secs_f64() / n as f64 * 1e6);
        cs.push((cpu() - c) / n as f64 * 1e6);
        ts.push((tcpu() - tc) / n as f64 * 1e6);
    }
    ws.sort_by(f64::total_cmp);
    cs.sort_by(f64::total_cmp);
    ts.sort_by(f64::total_cmp);
    println!(
        "{name}: wall median {:.0} min {:.0} µs, cpu median {:.0} µs (calling thread {:.0})",
        ws[4], ws[0], cs[4], ts[4]
    );
}
fn main() {
    let len: usize = 1 << 20;
    let data: Vec<u8> = (0..len)
        .map(|i| (i.wrapping_mul(31) ^ (i >> 13)) as u8)
        .collect();
    let sender = SenderKey::from_seed(&[1; 32]).unwrap();
    let me = RecipientSecretKey::from_bytes([2; 32]);
    let recipients = [me.public_key()];
    let mut out = Vec::with_capacity(len + len / 1000 + 4096);
    let what = std::env::args().nth(1).unwrap_or_default();
    if what != "open" {
        measure("seal", 600, || {
            out.clear();
            seal(&data[..], &mut out, &sender, &recipients).unwrap();
        });
    }
    out.clear();
    seal(&data[..], &mut out, &sender, &recipients).unwrap();
    let mut plain = Vec::with_capacity(len);
    if what == "dist" {
        dist("seal", || {
            let mut o = Vec::with_capacity(len + 4096);
            seal(&data[..], &mut o, &sender, &recipients).unwrap();
            std::hint::black_box(o);
        });
        dist("open", || {
            plain.clear();
            open(&out[..], &mut plain, &me, &sender.public_key()).unwrap();
        });
        return;
    }
    if what != "seal" {
        measure("open", 600, || {
            plain.clear();
            open(&out[..], &mut plain, &me, &sender.public_key()).unwrap();
        });
    }
    let b = |f: &mut dyn FnMut()| {
        let t = Instant::now();
        for _ in 0..2000 {
            f();
        }
        t.elapsed().as_secs_f64() / 2000.0 * 1e6
    };
    if what == "" {
        println!(
            "blake3: {:.0} µs",
            b(&mut || {
                std::hint::black_box(blake3::hash(&data));
            })
        );
    }
}
#[allow(dead_code)]
pub fn dist(name: &str, mut f: impl FnMut()) {
    for _ in 0..100 {
        f();
    }
    let mut v: Vec<f64> = (0..2000)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    v.sort_by(f64::total_cmp);
    println!(
        "{name}: p10 {:.0} p25 {:.0} p50 {:.0} p75 {:.0} p90 {:.0}",
        v[200], v[500], v[1000], v[1500], v[1800]
    );
}
