#!/usr/bin/env bash
# Makes the README's screenshots (docs/screenshots/*.png, light and dark): a file loaded
# with problems, an import mid-run, a finished import. Not a test: `make test` never runs
# it. Builds the app and the sandbox first (quick when `make test` has just built them),
# so the pictures show the current code, in the same headless Chromium as the e2e tests.
# Usage: scripts/screenshots.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
build_app
build_sandbox
ensure_chromium
npm_dir "$ROOT/tests/e2e"
mkdir -p "$ROOT/docs/screenshots"
say "Screenshots into docs/screenshots/"
(cd "$ROOT/tests/e2e" && npx playwright test -c screenshots.config.ts --reporter=line)
ls -l "$ROOT"/docs/screenshots/*.png
