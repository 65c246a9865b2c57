#!/usr/bin/env bash
# Runs the benchmarks in headless Chromium against the sandbox (never part of make test).
# Usage: scripts/bench.sh   (or: make bench)
# Sizes: BENCH_ROWS (10000), BENCH_LATENCY_MS (50), BENCH_CONCURRENCY ("1,4,6"),
#        BENCH_RATED_ROWS (600), BENCH_BASELINE_ROWS (= BENCH_ROWS),
#        BENCH_PARSE_ROWS ("10000,100000,1000000"), BENCH_REPEAT (5). Full size takes about an hour.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
build_app
build_sandbox
ensure_chromium
npm_dir "$ROOT/tests/e2e"
say "Benchmarks (import, parse, start-up, memory)"
(cd "$ROOT/tests/e2e" && npx playwright test -c bench.config.ts)
say "Bundle size"
"$ROOT/scripts/bundle-size.sh"
say "Results (tests/e2e/bench-results/*.json)"
cat "$ROOT/tests/e2e/bench-results/parse.json"
node -e '
const r = require(process.argv[1]);
console.log("| run | rows | seconds | bound (s) | ratio to bound | rate /min | 429s |");
console.log("|---|---:|---:|---:|---:|---:|---:|");
for (const x of r) console.log(`| ${x.name} | ${x.rows} | ${x.seconds.toFixed(1)} | ${x.bound_seconds?.toFixed(1) ?? ""} | ${x.ratio_to_bound?.toFixed(2) ?? ""} | ${x.per_minute?.toFixed(1) ?? ""} | ${x.rate_limited ?? ""} |`);
' "$ROOT/tests/e2e/bench-results/import.json"
