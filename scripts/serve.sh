#!/usr/bin/env bash
# Builds the app and serves it beside the local sandbox target (Aurora and Mumara).
# Usage: scripts/serve.sh [extra roster-sandbox flags]   (or: make serve)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
build_app
build_sandbox
say "Starting the sandbox; open the Page URL below. Ctrl-C stops it."
exec "$ROOT/target/release/roster-sandbox" --dist "$ROOT/dist" "$@"
