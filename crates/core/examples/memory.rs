//! The memory a load takes: the page's reading machine ([`Reading`], driven as
//! `src/ui/sheet/load.rs` drives it, the file's text read in place) over a generated file
//! of `ROWS` rows (default 1,000,000; the clean comma file of `tests/e2e/bench/parse.bench.ts`,
//! byte for byte), under a counting allocator. Prints, per phase, the peak and the bytes
//! live at its end, each also as a multiple of the file's size; the last line is JSON.
//!
//! `cargo run --release -p roster-core --example memory` (`make bench` runs it). The
//! figures are exact and do not depend on the machine's load; pointers are 64-bit here,
//! so they are an upper bound for the page's wasm32.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;

use roster_core::input::map::Field;
use roster_core::input::read::ReadOptions;
use roster_core::input::reading::{Progress, Reading};
use roster_core::input::validate::Rules;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

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

#[global_allocator]
static ALLOC: Counting = Counting;

/// The page's step size (`src/ui/sheet/load.rs`'s `ROW_STEP`).
const ROW_STEP: usize = 1_000;

/// The generator of parse.bench.ts (and of benches/parse.rs), number for number.
fn generate(rows: usize) -> String {
    let mut seed: f64 = 42.0;
    let mut rnd = || {
        let p = seed * 1_103_515_245.0 + 12_345.0;
        seed = ((p as i64) & 0x7fff_ffff) as f64;
        seed / 2_147_483_647.0
    };
    let mut word = |n: usize| -> String {
        (0..n)
            .map(|_| char::from(97 + (rnd() * 26.0).floor() as u8))
            .collect()
    };
    let mut out = String::from("email,password,name,role,quota_mb,note\n");
    for i in 0..rows {
        let (a, b) = (word(6), word(7));
        let name = if i % 10 == 0 {
            format!("\"{a}, {b}\"")
        } else {
            format!("{a} {b}")
        };
        let password = format!("Pw-{}", word(10));
        let note = word(24);
        out.push_str(&format!(
            "user{i}@example.com,{password},{name},2,{},{note}\n",
            100 + i % 900
        ));
    }
    out
}

/// The file's text as the page holds it once read in place (`FileBytes::Text`).
struct Text(Arc<String>);

impl AsRef<[u8]> for Text {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

fn main() {
    let rows: usize = std::env::var("ROWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let mut text = generate(rows);
    text.shrink_to_fit();
    let file = text.len();
    let text = Arc::new(text);
    let mib = |b: usize| b as f64 / (1024.0 * 1024.0);
    let x = |b: usize| b as f64 / file as f64;
    println!("file: {rows} rows, {file} bytes ({:.1} MiB)", mib(file));

    // Aurora's rules, as benches/parse.rs and the page's default target.
    let rules = Rules {
        email_rule: Some(roster_core::targets::aurora::PUBLIC_ID_RULE),
        ..Rules::new(vec![Field::Email, Field::Password])
    };
    let mut reading = Reading::new(
        Text(Arc::clone(&text)),
        ReadOptions::default(),
        rules,
        Box::new(|_| None),
    )
    .with_text(Arc::clone(&text));
    drop(text);
    PEAK.store(LIVE.load(Relaxed), Relaxed);

    // A row of the table is the steps that began in that phase: the step that ends one
    // phase starts the next (the last parsing step maps the columns and reserves the plan
    // and the address index, so they show in "parse, map").
    let phase_of = |p: Progress| match p {
        Progress::Working {
            what: "Checking rows",
            fraction,
        } => ["plan, check", "plan: index", "plan: flag"][((fraction * 3.0) as usize).min(2)],
        Progress::Working {
            what: "Decoding", ..
        } => "decode, detect",
        Progress::Working {
            what: "Reading rows",
            ..
        } => "parse, map",
        Progress::Working { what, .. } => what,
        Progress::Done => "done",
    };
    let mut phases: Vec<(&str, usize, usize)> = Vec::new();
    let mut at = phase_of(reading.progress());
    loop {
        let now = phase_of(reading.step(ROW_STEP));
        if now != at {
            phases.push((at, PEAK.load(Relaxed), LIVE.load(Relaxed)));
            PEAK.store(LIVE.load(Relaxed), Relaxed);
            at = now;
        }
        if now == "done" {
            break;
        }
    }
    let loaded = reading.finish().expect("reads");
    assert_eq!(loaded.rows.len(), rows);
    let live = LIVE.load(Relaxed);
    let peak = phases.iter().map(|p| p.1).max().unwrap_or(0);
    println!(
        "{:<20} {:>10} {:>7} {:>10} {:>7}",
        "phase", "peak MiB", "× file", "live MiB", "× file"
    );
    for (name, p, l) in &phases {
        println!(
            "{name:<20} {:>10.1} {:>7.2} {:>10.1} {:>7.2}",
            mib(*p),
            x(*p),
            mib(*l),
            x(*l)
        );
    }
    println!(
        "{{\"name\":\"native-memory\",\"rows\":{rows},\"bytes\":{file},\"peak_bytes\":{peak},\"peak_x\":{:.2},\"live_bytes\":{live},\"live_x\":{:.2}}}",
        x(peak),
        x(live)
    );
    drop(loaded);
}
