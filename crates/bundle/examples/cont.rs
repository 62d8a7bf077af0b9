// Temporary probe: does one core's work slow the other's?
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;
static STOP: AtomicBool = AtomicBool::new(false);
fn aes_rate(buf: &mut [u8], key: &LessSafeKey) -> f64 {
    let n = 2000;
    let t = Instant::now();
    for _ in 0..n {
        for c in buf.chunks_mut(65536) {
            key.seal_in_place_separate_tag(Nonce::assume_unique_for_key([0; 12]), Aad::empty(), c)
                .unwrap();
        }
    }
    t.elapsed().as_secs_f64() / n as f64 * 1e6
}
fn b3_rate(buf: &[u8]) -> f64 {
    let n = 2000;
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(blake3::hash(buf));
    }
    t.elapsed().as_secs_f64() / n as f64 * 1e6
}
fn main() {
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &[3; 32]).unwrap());
    let mut a = vec![7u8; 256 << 10];
    let b = vec![9u8; 256 << 10];
    println!(
        "alone: aes 256K {:.1} µs, blake3 256K {:.1} µs",
        aes_rate(&mut a, &key),
        b3_rate(&b)
    );
    let h = std::thread::spawn(move || {
        let b = vec![9u8; 256 << 10];
        let mut k = 0;
        while !STOP.load(Ordering::Relaxed) {
            std::hint::black_box(blake3::hash(&b));
            k += 1;
        }
        k
    });
    std::thread::sleep(std::time::Duration::from_millis(50));
    println!(
        "with blake3 on other core: aes 256K {:.1} µs",
        aes_rate(&mut a, &key)
    );
    STOP.store(true, Ordering::Relaxed);
    h.join().unwrap();
    STOP.store(false, Ordering::Relaxed);
    let h = std::thread::spawn(move || {
        let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &[3; 32]).unwrap());
        let mut a = vec![7u8; 256 << 10];
        while !STOP.load(Ordering::Relaxed) {
            for c in a.chunks_mut(65536) {
                key.seal_in_place_separate_tag(
                    Nonce::assume_unique_for_key([0; 12]),
                    Aad::empty(),
                    c,
                )
                .unwrap();
            }
        }
    });
    std::thread::sleep(std::time::Duration::from_millis(50));
    println!("with aes on other core: blake3 256K {:.1} µs", b3_rate(&b));
    STOP.store(true, Ordering::Relaxed);
    h.join().unwrap();
    STOP.store(false, Ordering::Relaxed);
    let h = std::thread::spawn(move || {
        let b = vec![9u8; 256 << 10];
        while !STOP.load(Ordering::Relaxed) {
            std::hint::black_box(blake3::hash(&b));
        }
    });
    std::thread::sleep(std::time::Duration::from_millis(50));
    println!(
        "with blake3 on other core: blake3 256K {:.1} µs",
        b3_rate(&b)
    );
    STOP.store(true, Ordering::Relaxed);
    h.join().unwrap();
}
