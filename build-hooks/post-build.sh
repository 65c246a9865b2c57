#!/usr/bin/env bash
# Trunk's post-build hook (Trunk runs the hooks of one stage at once, so the steps that
# must follow each other are here, in order):
#  1. csp.sh: the Content-Security-Policy into the built index.html;
#  2. a release build only: pre-compressed `.br` and `.gz` copies of every file, written
#     after the last change to index.html (precompress.mjs). A debug build skips them.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
bash "$here/csp.sh"
if [ "${TRUNK_PROFILE:-}" = "release" ]; then
  node "$here/precompress.mjs" "${TRUNK_STAGING_DIR:-dist}"
fi
