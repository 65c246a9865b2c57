# Shared by the scripts: paths, logging, and idempotent installers.
# Each installer checks what is there first, so a second run takes seconds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$ROOT/scripts/tools/node_modules/.bin:$PATH"
# Never let a tool download a browser of its own: the network reaches only registries.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export PUPPETEER_SKIP_DOWNLOAD=1

TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130
WASM_OPT_VERSION=132

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

ensure_rust_target() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown && return
  say "Adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
}

# cargo_tool BINARY VERSION CRATE [cargo install flags...]
cargo_tool() {
  local bin=$1 version=$2 crate=$3
  shift 3
  if command -v "$bin" >/dev/null && "$bin" --version 2>/dev/null | grep -qF "$version"; then
    return
  fi
  say "Installing $crate $version (a few minutes, once)"
  cargo install "$crate" --version "$version" "$@"
}

ensure_cargo_tools() {
  ensure_rust_target
  cargo_tool trunk "$TRUNK_VERSION" trunk --locked
  # Without --locked: its lock file names a crate version the registry lacks.
  cargo_tool wasm-bindgen "$WASM_BINDGEN_VERSION" wasm-bindgen-cli
}

# npm_dir DIR: installs DIR's locked npm packages unless they are installed already.
npm_dir() {
  local dir=$1 stamp="$1/node_modules/.roster-lock-sha"
  local want
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return
  fi
  say "Installing npm packages in ${dir#"$ROOT"/}"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" >"$stamp"
}

ensure_wasm_opt() {
  npm_dir "$ROOT/scripts/tools"
  wasm-opt --version | grep -q "version $WASM_OPT_VERSION" \
    || die "wasm-opt is not version $WASM_OPT_VERSION: $(wasm-opt --version)"
}

ensure_chromium() {
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    return
  fi
  if [ "$(id -u)" -ne 0 ]; then
    die "Chromium is missing: run 'sudo apt-get install chromium chromium-driver' (Debian), then again."
  fi
  say "Installing Debian's chromium and chromium-driver"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
}

# The release bundle, as shipped and as the end-to-end tests load it.
build_app() {
  ensure_cargo_tools
  ensure_wasm_opt
  say "Building the app (release, wasm-opt z)"
  (cd "$ROOT" && trunk build --release --locked)
}

build_sandbox() {
  say "Building the sandbox server"
  (cd "$ROOT" && cargo build --release --locked -p roster-sandbox)
}
