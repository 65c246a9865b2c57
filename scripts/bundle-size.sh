#!/usr/bin/env bash
# Prints the release bundle's sizes (raw and gzip -9) as a Markdown table: what index.html
# loads. The spreadsheet worker (sheets_worker*, loaded only when a workbook is dropped) is
# not part of it; its own size is printed below the table.
# Usage: scripts/bundle-size.sh   (builds the release bundle first)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
build_app >/dev/null
cd "$ROOT/dist"
echo "| file | raw bytes | gzip -9 bytes |"
echo "|---|---:|---:|"
total_raw=0 total_gz=0
for ext in wasm js css; do
  for f in *."$ext"; do
    case "$f" in sheets_worker*) continue ;; esac
    raw=$(wc -c <"$f")
    gz=$(gzip -9 -c "$f" | wc -c)
    total_raw=$((total_raw + raw)) total_gz=$((total_gz + gz))
    echo "| $ext (\`$f\`) | $raw | $gz |"
  done
done
echo "| **total** | **$total_raw** | **$total_gz** |"
w_raw=0 w_gz=0
for f in sheets_worker*; do
  [ -e "$f" ] || continue
  w_raw=$((w_raw + $(wc -c <"$f"))) w_gz=$((w_gz + $(gzip -9 -c "$f" | wc -c)))
done
echo
echo "Spreadsheet worker (not loaded by index.html; loaded when a workbook is dropped): $w_raw bytes raw, $w_gz bytes gzip -9."
