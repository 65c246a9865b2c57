# Matrix Synapse for the end-to-end tests: a virtualenv under .tools/synapse, installed from
# PyPI once. Sourced after lib.sh (it uses ROOT and say). The harness starts the server itself
# (tests/e2e/lib/synapse-process.ts); this only makes sure the package is there.
SYNAPSE_VERSION=1.163.2
SYNAPSE_VENV="$ROOT/.tools/synapse"

ensure_synapse() {
  local stamp="$SYNAPSE_VENV/.roster-synapse-version"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$SYNAPSE_VERSION" ] \
    && [ -x "$SYNAPSE_VENV/bin/python" ]; then
    return
  fi
  say "Installing Matrix Synapse $SYNAPSE_VERSION into .tools/synapse (about 20 s, once)"
  command -v python3 >/dev/null || die "python3 is missing: install python3 and python3-venv."
  rm -rf "$SYNAPSE_VENV"
  python3 -m venv "$SYNAPSE_VENV" \
    || die "python3 -m venv failed: install python3-venv (Debian: apt-get install python3-venv)."
  "$SYNAPSE_VENV/bin/pip" install --quiet --disable-pip-version-check \
    "matrix-synapse==$SYNAPSE_VERSION"
  "$SYNAPSE_VENV/bin/python" -c 'import synapse.app.homeserver' \
    || die "Synapse was installed but does not import."
  echo "$SYNAPSE_VERSION" >"$stamp"
}
