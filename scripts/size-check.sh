#!/usr/bin/env bash
# Fails when the page's initial transfer is over its size budget (scripts/size-budget):
# the gzip -9 total of the wasm, js and css files dist/index.html loads at start (read
# from index.html itself, so that a worker loaded on demand does not count), and the
# modules those scripts import statically (a wasm-bindgen snippet).
# Usage: scripts/size-check.sh [--budget BYTES] [DIST]   (after a release build)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
budget=$(grep -v '^[[:space:]]*#' "$ROOT/scripts/size-budget" | grep -m1 -oE '[0-9]+')
if [ "${1:-}" = "--budget" ]; then
  budget=$2
  shift 2
fi
dist=${1:-$ROOT/dist}
[ -f "$dist/index.html" ] || { echo "size-check: $dist/index.html not found: build the page first" >&2; exit 2; }

# The files index.html names: links (stylesheet, preloads), scripts, and the loader's
# `import … from '/x.js'` and `module_or_path: '/x.wasm'`.
mapfile -t files < <(grep -oE "(href|src)=\"[^\"]+\"|from '[^']+'|module_or_path: '[^']+'" "$dist/index.html" \
  | sed -E "s/^[^\"']*[\"']//; s/[\"']$//; s|^\./||; s|^/||" \
  | grep -vE '^[a-z]+:' | grep -E '\.(wasm|js|css)$' | sort -u)
[ "${#files[@]}" -gt 0 ] || { echo "size-check: no wasm, js or css named in $dist/index.html" >&2; exit 2; }
# And every module those scripts import statically (`import … from './x.js'`, such as a
# wasm-bindgen snippet), and theirs in turn: the first load fetches them too. A dynamic
# `import(…)` is not followed: it loads on demand.
for ((i = 0; i < ${#files[@]}; i++)); do
  f=${files[$i]}
  case "$f" in *.js) ;; *) continue ;; esac
  [ -f "$dist/$f" ] || continue
  while read -r dep; do
    dep=$(realpath -m --relative-to="$dist" "$dist/$(dirname "$f")/$dep")
    printf '%s\n' "${files[@]}" | grep -qxF "$dep" || files+=("$dep")
  done < <(grep -oE "(from|import) *['\"]\.{1,2}/[^'\"]+\.js['\"]" "$dist/$f" | sed -E "s/^(from|import) *['\"]//; s/['\"]$//")
done
total=0
for f in "${files[@]}"; do
  [ -f "$dist/$f" ] || { echo "size-check: $dist/index.html names $f, which is not there" >&2; exit 2; }
  gz=$(gzip -9 -c "$dist/$f" | wc -c)
  total=$((total + gz))
  printf '  %-48s %9d bytes gzip -9\n' "$f" "$gz"
done
if [ "$total" -gt "$budget" ]; then
  echo "size-check: the initial transfer is $total bytes gzip -9, over the budget of $budget (scripts/size-budget)." >&2
  echo "size-check: cut what grew, or raise the budget there with the reason." >&2
  exit 1
fi
echo "size-check: $total bytes gzip -9 of $budget allowed ($((budget - total)) to spare)."
