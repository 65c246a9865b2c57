#!/usr/bin/env bash
# What the spreadsheet feature (issue 25) costs the page's first load: builds the page in
# release without the page crate's `sheets` feature (Cargo.toml; into a temporary dist),
# then with it (into dist/), and prints for each the first load's gzip -9 total
# (scripts/size-check.sh: everything index.html fetches at start, snippets included) and
# the page's wasm in raw bytes, before wasm-opt (wasm-bindgen's output) and after (dist),
# with the differences. Two release builds: slow.
# Usage: scripts/sheets-cost.sh [DIST]   (DIST: where the full build goes; dist/ by default)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
dist=${1:-$ROOT/dist}
without=$(mktemp -d)
trap 'rm -rf "$without"' EXIT

measure() { # DIST → "first-load-gzip raw-before-opt raw-after-opt"
  local total before after
  total=$(scripts/size-check.sh --budget 999999999 "$1" | sed -nE 's/^size-check: ([0-9]+) bytes.*/\1/p')
  before=$(wc -c <target/wasm-bindgen/release/roster-page_bg.wasm)
  after=$(wc -c <"$(ls "$1"/roster-page-*_bg.wasm)")
  echo "$total $before $after"
}

trunk build --release --no-default-features --dist "$without" >&2
read -r w_total w_before w_after < <(measure "$without")
trunk build --release --dist "$dist" >&2
read -r s_total s_before s_after < <(measure "$dist")

printf '%-44s %12s %12s %12s\n' "page's first load" "without" "with sheets" "difference"
printf '%-44s %12d %12d %12d\n' "gzip -9 total (size-check)" "$w_total" "$s_total" $((s_total - w_total))
printf '%-44s %12d %12d %12d\n' "roster-page_bg.wasm raw, before wasm-opt" "$w_before" "$s_before" $((s_before - w_before))
printf '%-44s %12d %12d %12d\n' "roster-page_bg.wasm raw, after wasm-opt" "$w_after" "$s_after" $((s_after - w_after))
