//! What the native parse bench (`benches/parse.rs`) and the memory example
//! (`examples/memory.rs`) share: a counting allocator and the generator of
//! `tests/e2e/bench/parse.bench.ts`'s files. Each includes it with `#[path]` and installs
//! the allocator itself (`#[global_allocator] static ALLOC: Counting = Counting;`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Counts the bytes live and their peak (native: 64-bit pointers, so an upper bound for
/// the page's wasm32).
pub struct Counting;

pub static LIVE: AtomicUsize = AtomicUsize::new(0);
pub static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
        PEAK.fetch_max(live, Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Counted as the allocator may do it: the new block before the old one goes.
        let live = LIVE.fetch_add(new_size, Relaxed) + new_size;
        PEAK.fetch_max(live, Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        LIVE.fetch_sub(layout.size(), Relaxed);
        new
    }
}

/// The generator of parse.bench.ts, number for number (JavaScript's double arithmetic and
/// `& 0x7fffffff` included), so both benches read byte-identical files.
pub fn generate(rows: usize, delim: char) -> String {
    let mut seed: f64 = 42.0;
    let mut rnd = || {
        // The product is rounded to a double as in JavaScript; it is integral, positive and
        // below 2^63, so its low 31 bits are ToInt32(p) & 0x7fffffff.
        let p = seed * 1_103_515_245.0 + 12_345.0;
        seed = ((p as i64) & 0x7fff_ffff) as f64;
        seed / 2_147_483_647.0
    };
    let mut word = |n: usize| -> String {
        (0..n)
            .map(|_| char::from(97 + (rnd() * 26.0).floor() as u8))
            .collect()
    };
    let d = delim.to_string();
    let mut parts = vec![["email", "password", "name", "role", "quota_mb", "note"].join(&d)];
    for i in 0..rows {
        // In parse.bench.ts's order: the name's words, then the password's, then the note's.
        let (a, b) = (word(6), word(7));
        let name = if i % 10 == 0 {
            format!("\"{a}{delim} {b}\"")
        } else {
            format!("{a} {b}")
        };
        let password = format!("Pw-{}", word(10));
        let note = word(24);
        parts.push(
            [
                format!("user{i}@example.com"),
                password,
                name,
                "2".into(),
                (100 + i % 900).to_string(),
                note,
            ]
            .join(&d),
        );
    }
    parts.join("\n") + "\n"
}
