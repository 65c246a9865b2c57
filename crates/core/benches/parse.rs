//! Native parse benchmark: the same read path the page runs in wasm (decode → detect →
//! parse → map → validate → plan, in the page's step sizes), on the same generated files
//! as `tests/e2e/bench/parse.bench.ts`, plus the bare `csv` crate reading the same bytes.
//!
//! `cargo bench -p roster-core --bench parse` (sizes: env BENCH_PARSE_ROWS, default
//! "10000,100000,1000000"; repeats: BENCH_REPEAT, default 5; a JSON array of the lines
//! printed also goes to the file named by BENCH_NATIVE_OUT, if set). BENCH_STAGE=parse
//! times only the parse stage (decode → detect → parse into records) against the bare
//! `csv` crate.

use std::io::Write;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;

use sha2::Digest;

#[path = "support/mod.rs"]
mod support;
use support::{generate, Counting, LIVE, PEAK};

#[global_allocator]
static ALLOC: Counting = Counting;

use roster_core::input::decode::{self, Decoder};
use roster_core::input::map::{Field, Mapping};
use roster_core::input::plan::{PlannedRow, Sheet, Tally};
use roster_core::input::read::{layout, Parser, ReadOptions, Table};
use roster_core::input::validate::Rules;

/// SHA-256 of parse.bench.ts's `__gen(1000, ',')`, computed with Node.js.
const JS_SAMPLE_SHA256: &str = "f01f3e40209938da0b8a2818590de90147d33eff5d171318bb3d5379cc21535f";

/// The page's step sizes (src/ui/sheet.rs).
const DECODE_STEP: usize = 256 * 1024;
const ROW_STEP: usize = 1_000;

/// Milliseconds per stage of one load, as the page runs it.
#[derive(Default, Clone, Copy)]
struct Stages {
    decode: f64,
    parse: f64,
    plan: f64,
    total: f64,
    rows: usize,
    /// The most bytes held at once during the load, the file's bytes included.
    peak_bytes: usize,
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// The parse stage alone (what issue 14's "parse stage ≥ 3× PapaParse" is about): decode,
/// detect the layout, parse into records. Returns the table and the milliseconds of the
/// decoding and of the parsing.
#[inline(never)]
fn parse_stage(bytes: &[u8]) -> (Table, f64, f64) {
    let start = Instant::now();
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let encoding = decode::detect(head, head.len() == bytes.len()).expect("text");
    let mut decoder = Decoder::for_len(encoding, bytes.len());
    for chunk in bytes.chunks(DECODE_STEP) {
        decoder.push(chunk, false);
    }
    decoder.push(&[], true);
    let text = decoder.finish();
    let decoded = ms(start);

    let t = Instant::now();
    let layout = layout(&text, &ReadOptions::default());
    // The parser takes the text over: the records point into it.
    let mut parser = Parser::new(text, layout);
    while !parser.step(ROW_STEP).expect("parses") {}
    let table = parser.finish().expect("parses");
    (table, decoded, ms(t))
}

#[inline(never)]
fn roster_load(bytes: &[u8]) -> Stages {
    PEAK.store(LIVE.load(Relaxed), Relaxed);
    let start = Instant::now();
    let (table, decoded, parsed) = parse_stage(bytes);

    let t = Instant::now();
    let mapping = Mapping::auto(&table);
    let rules = Rules {
        email_rule: Some(roster_core::targets::aurora::PUBLIC_ID_RULE),
        ..Rules::new(vec![Field::Email, Field::Password])
    };
    let mut sheet = Sheet::new(table, mapping, rules);
    sheet.clear_duplicates();
    let n = sheet.len();
    let mut rows: Vec<PlannedRow> = Vec::with_capacity(n);
    let ranges = || {
        (0..n)
            .step_by(ROW_STEP)
            .map(move |s| s..(s + ROW_STEP).min(n))
    };
    for r in ranges() {
        sheet.plan_range_into(&mut rows, r);
    }
    for r in ranges() {
        sheet.index_range(&rows, r);
    }
    let mut tally = Tally::default();
    let marks = sheet.duplicate_marks();
    for r in ranges() {
        sheet.flag_range(&mut rows, r.clone(), &marks);
        for row in &rows[r] {
            tally.add(row, 1);
        }
    }
    assert_eq!(tally.valid + tally.invalid, n);
    let planned = ms(t);
    let total = ms(start);
    let peak_bytes = PEAK.load(Relaxed);
    // Freeing is timed apart in the page too (it happens in slices, later).
    drop((rows, sheet));
    Stages {
        decode: decoded,
        parse: parsed,
        plan: planned,
        total,
        rows: n,
        peak_bytes,
    }
}

/// The `csv` crate alone, reading every record of the same bytes (no trimming, no
/// strings): the reference for "the native csv crate's speed".
#[inline(never)]
fn csv_only(bytes: &[u8], delim: u8) -> (f64, usize) {
    let start = Instant::now();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delim)
        .has_headers(true)
        .from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let mut n = 0;
    while reader.read_byte_record(&mut record).expect("parses") {
        n += 1;
    }
    (ms(start), n)
}

/// One JSON line for the parse stage alone against the bare `csv` crate, medians of
/// `repeat` runs. The table is dropped outside the timing (the page frees it later).
fn parse_stage_line(bytes: &[u8], name: &str, delim: u8, rows: usize, repeat: usize) -> String {
    let (mut decode, mut parse, mut stage, mut csv) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..repeat {
        let (table, d, p) = parse_stage(bytes);
        assert_eq!(table.records.len(), rows);
        drop(table);
        decode.push(d);
        parse.push(p);
        stage.push(d + p);
        let (t, n) = csv_only(bytes, delim);
        assert_eq!(n, rows);
        csv.push(t);
    }
    let (stage, csv) = (median(stage), median(csv));
    format!(
        "{{\"name\":\"native-parse-stage\",\"delim\":\"{name}\",\"rows\":{rows},\"bytes\":{},\"stage_ms\":{stage:.1},\"decode_ms\":{:.1},\"parse_ms\":{:.1},\"csv_ms\":{csv:.1},\"stage_over_csv\":{:.2},\"repeat\":{repeat}}}",
        bytes.len(),
        median(decode),
        median(parse),
        stage / csv,
    )
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs it once, tiny.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let sizes: Vec<usize> = if smoke {
        vec![1000]
    } else {
        std::env::var("BENCH_PARSE_ROWS")
            .unwrap_or_else(|_| "10000,100000,1000000".into())
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .filter(|&n| n > 0)
            .collect()
    };
    let repeat: usize = if smoke {
        1
    } else {
        std::env::var("BENCH_REPEAT")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(5)
    };
    // The same bytes as the page's generator: the SHA-256 of its 1000-row comma file.
    let sample = generate(1000, ',');
    let digest = sha2::Sha256::digest(sample.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        (hex.as_str(), sample.len()),
        (JS_SAMPLE_SHA256, 80_229),
        "the generator differs from parse.bench.ts's"
    );
    // BENCH_STAGE=parse: the parse stage alone (decode + detect + parse), no map or plan.
    let parse_only = std::env::var("BENCH_STAGE").is_ok_and(|s| s == "parse");
    let out = std::env::var("BENCH_NATIVE_OUT").ok();
    let mut lines = Vec::new();
    for &rows in &sizes {
        for (name, delim) in [("comma", ','), ("pipe", '|')] {
            let text = generate(rows, delim);
            // The file's bytes as a page holds them: exactly their length (the generator's
            // last append doubled the capacity, which the peak counted as file bytes).
            let mut bytes = text.into_bytes();
            bytes.shrink_to_fit();
            if parse_only {
                let line = parse_stage_line(&bytes, name, delim as u8, rows, repeat);
                println!("{line}");
                lines.push(line);
                continue;
            }
            let mut runs = Vec::new();
            let mut csv_runs = Vec::new();
            for _ in 0..repeat {
                let s = roster_load(&bytes);
                assert_eq!(s.rows, rows);
                runs.push(s);
                let (t, n) = csv_only(&bytes, delim as u8);
                assert_eq!(n, rows);
                csv_runs.push(t);
            }
            let pick = |f: fn(&Stages) -> f64| median(runs.iter().map(f).collect());
            let mb = bytes.len() as f64 / 1e6;
            let total = pick(|s| s.total);
            let csv = median(csv_runs);
            let line = format!(
                "{{\"name\":\"native\",\"delim\":\"{name}\",\"rows\":{rows},\"bytes\":{},\"roster_ms\":{total:.1},\"decode_ms\":{:.1},\"parse_ms\":{:.1},\"plan_ms\":{:.1},\"csv_ms\":{csv:.1},\"peak_mb\":{:.1},\"roster_mb_s\":{:.1},\"csv_mb_s\":{:.1},\"repeat\":{repeat}}}",
                bytes.len(),
                pick(|s| s.decode),
                pick(|s| s.parse),
                pick(|s| s.plan),
                runs.iter().map(|s| s.peak_bytes).max().unwrap_or(0) as f64 / 1e6,
                mb / (total / 1000.0),
                mb / (csv / 1000.0),
            );
            println!("{line}");
            lines.push(line);
        }
    }
    if let Some(path) = out {
        let mut f = std::fs::File::create(path).expect("BENCH_NATIVE_OUT is writable");
        writeln!(f, "[\n{}\n]", lines.join(",\n")).expect("writes");
    }
}
