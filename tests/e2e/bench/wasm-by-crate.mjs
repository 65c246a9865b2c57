// Groups a wasm module's items by crate, from `twiggy top --format csv` (the module must
// keep its name section, e.g. a build with data-wasm-opt-params="-g"; see BENCHMARKS.md,
// "Issue 14: in the page"). twiggy is not needed by `make test`: `cargo install twiggy --locked`.
// Usage: node bench/wasm-by-crate.mjs <module.wasm> [top items, default 30]
import { execFileSync } from 'node:child_process';

const [wasm, topN = '30'] = process.argv.slice(2);
const csv = execFileSync('twiggy', ['top', '-n', '1000000', '--format', 'csv', wasm], { maxBuffer: 1 << 30 }).toString();
const rows = [];
for (const line of csv.trim().split('\n').slice(1)) {
  // Name,ShallowSize,ShallowSizePercent (the name may hold commas, and is quoted then)
  const m = /^(?:"((?:[^"]|"")*)"|([^,]*)),(\d+),/.exec(line);
  if (!m) continue;
  rows.push({ name: (m[1] ?? m[2]).replace(/""/g, '"'), bytes: Number(m[3]) });
}
rows.pop(); // twiggy's own total row
const crateOf = (name) => {
  if (/^(data segment|custom section|"function names"|type\[|import |export |elem|table|memory|global|code\[)/.test(name) || name.startsWith('data[')) return `(${name.split(' ')[0]} …)`;
  // Crate disambiguators (`core[c593…]::`) go; `<T as tachys::…>` (a generic type) counts
  // under the trait's crate; `<str>::…`, `<f64 as core::…>` under core.
  const n = name.replace(/\[[0-9a-f]{16}\]/g, '').replace(/^<(?:[A-Z]|str|char|f32|f64|[iu](?:8|16|32|64|128|size)|bool|\[\w+\])(?: as |>::)/, '<');
  if (/^<(str|char|f32|f64)>::/.test(name) || n === '<') return 'core';
  const m = /^[<&\s]*(?:mut\s+|dyn\s+|impl\s+)*([A-Za-z_][A-Za-z0-9_]*)::/.exec(n);
  if (!m) return /^code\[/.test(name) ? '(code without a name)' : '(other)';
  // Generic code is named after where it was instantiated's trait or type: leptos'
  // reactive graph, serde's derive output, etc. all count under the first path segment.
  return m[1];
};
const total = rows.reduce((a, r) => a + r.bytes, 0);
const by = new Map();
for (const r of rows) by.set(crateOf(r.name), (by.get(crateOf(r.name)) ?? 0) + r.bytes);
const pct = (b) => ((100 * b) / total).toFixed(1);
console.log(`| crate (first path segment of the item's name) | bytes | % |\n|---|---:|---:|`);
for (const [c, b] of [...by].sort((a, b) => b[1] - a[1]).slice(0, Number(topN))) console.log(`| ${c} | ${b} | ${pct(b)} |`);
console.log(`| **total** | **${total}** | 100 |\n`);
console.log(`| item | bytes | % |\n|---|---:|---:|`);
for (const r of [...rows].sort((a, b) => b.bytes - a.bytes).slice(0, Number(topN))) {
  console.log(`| ${r.name.replace(/::h[0-9a-f]{16}$/, '').replace(/\|/g, '\\|').slice(0, 110)} | ${r.bytes} | ${pct(r.bytes)} |`);
}
