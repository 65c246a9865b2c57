#!/usr/bin/env bash
# Trunk post-build hook: adds Roster's Content-Security-Policy to the built index.html.
#
# Trunk 0.21 writes an inline <script type="module"> that loads the wasm. The policy
# allows it by its SHA-256 hash (no 'unsafe-inline'), computed here from the exact text
# Trunk wrote, so the hash is always that of the build it ships with.
#
#   default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'sha256-…';
#   object-src 'none'; base-uri 'none'; form-action 'none';
#   connect-src 'self' https: http:   (the page cannot know the user's server; a host that
#                                       does can pin it with a response header, see README)
#
# A <meta> policy cannot set frame-ancestors: send that one as a response header.
set -euo pipefail
html="${TRUNK_STAGING_DIR:-dist}/index.html"
[ -f "$html" ] || { echo "csp.sh: $html not found" >&2; exit 1; }
node - "$html" <<'JS'
const fs = require('fs');
const crypto = require('crypto');
const file = process.argv[2];
let html = fs.readFileSync(file, 'utf8');
if (html.includes('http-equiv="Content-Security-Policy"')) process.exit(0);
const hashes = [];
for (const m of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)) {
  hashes.push(`'sha256-${crypto.createHash('sha256').update(m[1], 'utf8').digest('base64')}'`);
}
const policy = [
  "default-src 'self'",
  `script-src 'self' 'wasm-unsafe-eval' ${hashes.join(' ')}`.trim(),
  "style-src 'self'",
  "connect-src 'self' https: http:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
const meta = `<meta http-equiv="Content-Security-Policy" content="${policy}" />`;
// Right after <meta charset> (which must come first), before any script.
const anchor = /<meta charset[^>]*>/i.test(html) ? /<meta charset[^>]*>/i : /<head>/i;
if (!anchor.test(html)) { console.error('csp.sh: no <head> in ' + file); process.exit(1); }
html = html.replace(anchor, (h) => `${h}\n    ${meta}`);
fs.writeFileSync(file, html);
console.log(`csp.sh: CSP added to ${file} (${hashes.length} inline script hash${hashes.length === 1 ? '' : 'es'})`);
JS
