#!/usr/bin/env bash
# Benchmarks of the command line (never part of make test), for BENCHMARKS.md's
# "Command line" section:
#  1. BENCH_CLI_ROWS (10000) Aurora creates against the release sandbox at
#     BENCH_CLI_LATENCY_MS (50) ms a request, at BENCH_CLI_PARALLEL ("6 16 32") in
#     flight, against the bound rows × latency / in-flight;
#  2. reading BENCH_CLI_READ_ROWS (1000000) rows (`roster import --dry-run`: read, detect,
#     map, check, plan; nothing sent), time and peak memory by /usr/bin/time -v, against
#     the csv crate alone on the same file (crates/cli/examples/csv_only.rs).
# Usage: scripts/bench-cli.sh   (prints Markdown tables; takes about 3 minutes at full size)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

ROWS=${BENCH_CLI_ROWS:-10000}
LATENCY=${BENCH_CLI_LATENCY_MS:-50}
PARALLEL=${BENCH_CLI_PARALLEL:-"6 16 32"}
READ_ROWS=${BENCH_CLI_READ_ROWS:-1000000}

build_sandbox
say "Building roster and the csv-only baseline (release)"
cargo build --release --locked -p roster-cli --bin roster --example csv_only
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
ROSTER=$TARGET_DIR/release/roster
CSV_ONLY=$TARGET_DIR/release/examples/csv_only
SANDBOX=$TARGET_DIR/release/roster-sandbox

WORK=$(mktemp -d)
SANDBOX_PID=
cleanup() {
  if [ -n "$SANDBOX_PID" ]; then kill "$SANDBOX_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# start_sandbox CONFIG: a sandbox on a free port; sets SANDBOX_PID and API.
start_sandbox() {
  "$SANDBOX" --api-port 0 --quiet --config "$1" >"$WORK/sandbox.out" 2>/dev/null &
  SANDBOX_PID=$!
  API=
  for _ in $(seq 1 100); do
    API=$(sed -n 's/^ROSTER_SANDBOX_READY .*"api":"\([^"]*\)".*/\1/p' "$WORK/sandbox.out")
    [ -n "$API" ] && return
    sleep 0.1
  done
  die "the sandbox did not start"
}

stop_sandbox() {
  kill "$SANDBOX_PID" 2>/dev/null || true
  wait "$SANDBOX_PID" 2>/dev/null || true
  SANDBOX_PID=
}

now() { date +%s.%N; }

say "1. $ROWS creates at $LATENCY ms latency"
{
  echo "email,password"
  seq 1 "$ROWS" | awk '{printf "bench%06d@example.com,Bench-Pass-%06dx\n", $1, $1}'
} >"$WORK/creates.csv"
echo
echo "| in flight | rows | seconds | bound (s) | ratio to bound | created |"
echo "|---:|---:|---:|---:|---:|---:|"
for c in $PARALLEL; do
  start_sandbox "{\"aurora\":{\"latency_ms\":$LATENCY}}"
  rm -rf "$WORK/creates.csv.roster-journal"
  t0=$(now)
  ROSTER_PASSWORD=12345 "$ROSTER" import "$WORK/creates.csv" --target aurora \
    --server "$API/" --login superadmin --yes --parallel "$c" \
    --report "$WORK/report-$c.csv" </dev/null >"$WORK/out-$c.txt" 2>&1 ||
    die "roster import at $c in flight failed: $(tail -3 "$WORK/out-$c.txt")"
  t1=$(now)
  stop_sandbox
  created=$(python3 -c 'import csv, sys
print(sum(1 for r in csv.DictReader(open(sys.argv[1], newline="")) if r["status"] == "created"))' "$WORK/report-$c.csv")
  awk -v r="$ROWS" -v l="$LATENCY" -v c="$c" -v t0="$t0" -v t1="$t1" -v k="$created" 'BEGIN {
    s = t1 - t0; b = r * l / 1000 / c;
    printf "| %d | %d | %.1f | %.1f | %.2f | %d |\n", c, r, s, b, s / b, k }'
done

say "2. Reading $READ_ROWS rows"
python3 - "$WORK/read.csv" "$READ_ROWS" <<'PY'
import sys
path, rows = sys.argv[1], int(sys.argv[2])
with open(path, "w", newline="") as f:
    f.write("email,password,first name,last name,quota,role\n")
    for i in range(rows):
        email = f"not-an-address-{i}" if i % 1000 == 999 else f"user{i:07d}@example.com"
        f.write(f"{email},Pass-{i:07d}-Word,First{i % 5000},Last{i % 7919},{(i % 10) * 100},2\n")
PY
bytes=$(wc -c <"$WORK/read.csv")
# measure NAME COMMAND...: one line of the table from /usr/bin/time -v.
measure() {
  local name=$1
  shift
  /usr/bin/time -v "$@" >/dev/null 2>"$WORK/time.txt" || true
  awk -v name="$name" -F': ' '
    /Elapsed \(wall clock\)/ { n = split($2, p, ":"); w = (n == 3) ? p[1] * 3600 + p[2] * 60 + p[3] : p[1] * 60 + p[2] }
    /User time/ { u = $2 } /System time/ { s = $2 }
    /Maximum resident set size/ { m = $2 }
    /Exit status/ { x = $2 }
    END { printf "| %s | %.2f | %.2f | %.1f | %s |\n", name, w, u + s, m / 1024, x }' "$WORK/time.txt"
}
echo
echo "File: $READ_ROWS rows, $bytes bytes."
echo
echo "| reader | wall s | CPU s | peak RSS MiB | exit |"
echo "|---|---:|---:|---:|---:|"
measure "roster import --dry-run (read, detect, map, check, plan)" \
  "$ROSTER" import "$WORK/read.csv" --target aurora --server http://127.0.0.1:9/ --dry-run
measure "csv crate alone (examples/csv_only)" "$CSV_ONLY" "$WORK/read.csv"
