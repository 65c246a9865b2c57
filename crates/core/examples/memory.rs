//! The memory a load takes: the page's reading machine ([`Reading`], driven as
//! `src/ui/sheet/load.rs` drives it, the file's text read in place) over a generated file
//! of `ROWS` rows (default 1,000,000; the clean comma file of `tests/e2e/bench/parse.bench.ts`,
//! byte for byte), under a counting allocator. Prints, per phase, the peak and the bytes
//! live at its end, each also as a multiple of the file's size; the last line is JSON.
//!
//! `cargo run --release -p roster-core --example memory` (`make bench` runs it). The
//! figures are exact and do not depend on the machine's load; pointers are 64-bit here,
//! so they are an upper bound for the page's wasm32.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use roster_core::input::map::Field;
use roster_core::input::read::ReadOptions;
use roster_core::input::reading::{Progress, Reading};
use roster_core::input::validate::Rules;

#[path = "../benches/support/mod.rs"]
mod support;
use support::{Counting, LIVE, PEAK};

#[global_allocator]
static ALLOC: Counting = Counting;

/// The page's step size (`src/ui/sheet/load.rs`'s `ROW_STEP`).
const ROW_STEP: usize = 1_000;

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
    let mut text = support::generate(rows, ',');
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
