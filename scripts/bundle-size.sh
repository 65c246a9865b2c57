#!/usr/bin/env bash
# Prints the release bundle's sizes (raw and gzip -9) as a Markdown table.
# Usage: scripts/bundle-size.sh   (builds the release bundle first)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
build_app >/dev/null
cd "$ROOT/dist"
echo "| file | raw bytes | gzip -9 bytes |"
echo "|---|---:|---:|"
total_raw=0 total_gz=0
for ext in wasm js css; do
  for f in *."$ext"; do
    raw=$(wc -c <"$f")
    gz=$(gzip -9 -c "$f" | wc -c)
    total_raw=$((total_raw + raw)) total_gz=$((total_gz + gz))
    echo "| $ext (\`$f\`) | $raw | $gz |"
  done
done
echo "| **total** | **$total_raw** | **$total_gz** |"
