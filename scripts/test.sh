#!/usr/bin/env bash
# Runs every test: formatting and lints, the native unit and integration tests, then
# the end-to-end tests in headless Chromium against the release build and the sandbox.
# Usage: scripts/test.sh   (or: make test)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

ensure_cargo_tools
say "Checking formatting and lints"
cargo fmt --all --check
cargo clippy --locked --workspace --all-targets -- -D warnings
cargo clippy --locked -p roster --target wasm32-unknown-unknown -- -D warnings

say "Native tests (page logic, core and sandbox)"
cargo test --locked
# The native parse bench, once at a tiny size (run without --bench it only smoke-tests).
cargo test --locked -p roster-core --bench parse
say "The docs: every command in README.md, BENCHMARKS.md and docs/ is run by a test; links resolve"
# It asks the command line's --help for every roster option the documents name.
cargo build --locked -q -p roster-cli
node "$ROOT/scripts/docs-check.mjs" --self-test
node "$ROOT/scripts/docs-check.mjs"

build_app
say "The page's size budget (scripts/size-budget; issue 26)"; "$ROOT/scripts/size-check.sh"
build_sandbox
ensure_chromium
npm_dir "$ROOT/tests/e2e"
source "$ROOT/scripts/synapse-lib.sh" && ensure_synapse
say "The command line (roster-cli) against the sandbox and Synapse"; cargo test --locked -p roster-cli
say "End-to-end tests in headless Chromium"
(cd "$ROOT/tests/e2e" && npx playwright test)

say "Benchmark smoke run (tiny sizes; numbers not judged, the harness must keep working)"
(cd "$ROOT/tests/e2e" && BENCH_ROWS=40 BENCH_LATENCY_MS=5 BENCH_CONCURRENCY=4 BENCH_RATED_ROWS=3 \
  BENCH_BASELINE_ROWS=20 BENCH_UNSTATED_ROWS=3 BENCH_IMPORT_LONGTASK_ROWS=200 BENCH_PARSE_ROWS=500 BENCH_REPEAT=1 ROSTER_BENCH_ROWS=500 BENCH_SYNAPSE_ROWS=5 npx playwright test -c bench.config.ts --reporter=line)
