#!/usr/bin/env bash
# Runs the benchmarks in headless Chromium against the sandbox (never part of make test).
# Usage: scripts/bench.sh   (or: make bench)
# Sizes: BENCH_ROWS (10000), BENCH_LATENCY_MS (50), BENCH_CONCURRENCY ("1,4,6"),
#        BENCH_RATED_ROWS (600), BENCH_BASELINE_ROWS (= BENCH_ROWS),
#        BENCH_UNSTATED_ROWS (240), BENCH_UNSTATED_LIMIT (120),
#        BENCH_IMPORT_LONGTASK_ROWS (100000), BENCH_STALL_MS (60000),
#        BENCH_PARSE_ROWS ("10000,100000,1000000"), BENCH_REPEAT (5),
#        BENCH_PROFILE_ROWS (ROSTER_BENCH_ROWS, else 1000000), BENCH_PROFILE_DIRTY (0),
#        BENCH_SHEET_ROWS (1000000; 0 leaves the sheet out), BENCH_SHEET_DIR, BENCH_SHEET_PYTHON.
#        Full size takes about an hour. The CPU profile names wasm functions only when the
#        app is built with names (see tests/e2e/bench/profile.bench.ts and ROSTER_DIST).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
build_app
build_sandbox
ensure_chromium
source "$ROOT/scripts/synapse-lib.sh" && ensure_synapse
npm_dir "$ROOT/tests/e2e"
say "Native parse bench (the same read path as the page, and the bare csv crate)"
mkdir -p "$ROOT/tests/e2e/bench-results"
BENCH_NATIVE_OUT="$ROOT/tests/e2e/bench-results/native.json" \
  cargo bench --locked -p roster-core --bench parse
say "Native memory of a 1M-row load (the page's reading machine; a figure, not timed)"
cargo run --locked --release -p roster-core --example memory \
  | tee "$ROOT/tests/e2e/bench-results/native-memory.txt"
say "Benchmarks (import, parse, start-up, memory)"
(cd "$ROOT/tests/e2e" && npx playwright test -c bench.config.ts)
say "The command line (roster) against the sandbox"
"$ROOT/scripts/bench-cli.sh"
say "A 1M-row sheet on the command line, as xlsx and as CSV (peak memory)"
"$ROOT/scripts/bench-sheets-cli.sh"
say "Bundle size"
size_table=$(mktemp)
"$ROOT/scripts/bundle-size.sh" >"$size_table"
say "What the spreadsheet feature costs the page's first load (two release builds)"
"$ROOT/scripts/sheets-cost.sh" | tee "$ROOT/tests/e2e/bench-results/sheets-cost.txt"
say "What the wasm holds, by crate (twiggy, on the names build before wasm-opt)"
command -v twiggy >/dev/null || cargo install twiggy --locked
node tests/e2e/bench/wasm-by-crate.mjs target/wasm-bindgen/release/roster-page_bg.wasm \
  | tee "$ROOT/tests/e2e/bench-results/wasm-by-crate.txt"
say "Writing BENCHMARKS.md"
node "$ROOT/tests/e2e/bench/write-report.mjs" "$ROOT/BENCHMARKS.md" "$size_table" \
  "$(env | grep -o '^BENCH_[A-Z_]*=[^ ]*' | sort | tr '\n' ' ')make bench"
rm -f "$size_table"
