#!/usr/bin/env bash
# The command line's peak memory reading a sheet of N rows (issue 25), the same rows as
# .xlsx and as CSV: `roster import FILE --dry-run` (read, convert, map, check, plan;
# nothing sent) under /usr/bin/time -v. The files are written at run time by
# scripts/make-sheet-fixtures.py --big N DIR (a Python with openpyxl; not committed).
# Usage: scripts/bench-sheets-cli.sh   Environment: BENCH_SHEET_ROWS (1000000),
#        BENCH_SHEET_DIR (/tmp/roster-sheets-N), BENCH_SHEET_PYTHON (/tmp/sheets-venv/bin/python).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
rows=${BENCH_SHEET_ROWS:-1000000}
[ "$rows" -gt 0 ] || exit 0
dir=${BENCH_SHEET_DIR:-/tmp/roster-sheets-$rows}
python=${BENCH_SHEET_PYTHON:-/tmp/sheets-venv/bin/python}
[ -x /usr/bin/time ] || die "/usr/bin/time (Debian's time package) is needed"
if [ ! -f "$dir/staff-$rows.xlsx" ] || [ ! -f "$dir/staff-$rows.csv" ]; then
  say "Writing $dir/staff-$rows.{xlsx,csv}"
  "$python" scripts/make-sheet-fixtures.py --big "$rows" "$dir"
fi
cargo build --release --locked -p roster-cli >&2
printf '%-28s %12s %10s %10s %14s\n' file bytes wall_s cpu_s peak_rss_kib
for f in "$dir/staff-$rows.csv" "$dir/staff-$rows.xlsx"; do
  out=$(mktemp)
  /usr/bin/time -v target/release/roster import "$f" --target aurora --server http://127.0.0.1:9/ --dry-run \
    >/dev/null 2>"$out" || { cat "$out" >&2; die "roster failed on $f"; }
  wall=$(grep -F 'Elapsed (wall clock)' "$out" | grep -oE '[0-9:.]+$' | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
  cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$out")
  rss=$(grep -F 'Maximum resident set size' "$out" | grep -oE '[0-9]+$')
  printf '%-28s %12d %10s %10s %14d\n' "$(basename "$f")" "$(stat -c %s "$f")" "$wall" "$cpu" "$rss"
  rm -f "$out"
done
