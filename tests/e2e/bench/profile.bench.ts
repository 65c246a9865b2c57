/**
 * A Chromium CPU profile (DevTools protocol `Profiler`, sampled every BENCH_PROFILE_US µs)
 * of Roster loading a generated file through the page's drop zone (file → decode → parse
 * → map → validate → plan → table), summarised by self and total time per function, and
 * by crate (the first path segment of a Rust function's name). The file is generated in
 * the page, as a File, before the profile starts; the profile ends when the rows are planned.
 *
 * Wasm functions have names only if the module keeps its name section. The release build
 * drops it (wasm-opt writes names only with -g); for a profile, build once with names and
 * serve that build (the same code, the same -Oz; a copy of index.html, not committed):
 *   sed 's/data-wasm-opt="z"/data-wasm-opt="z" data-wasm-opt-params="-g"/' index.html > index-prof.html
 *   trunk build --release --locked --dist /tmp/roster-dist-prof index-prof.html
 *   ROSTER_DIST=/tmp/roster-dist-prof npx playwright test -c bench.config.ts profile
 * Without names the wasm functions show as `wasm-function[N]`.
 * Environment: BENCH_PROFILE_ROWS (ROSTER_BENCH_ROWS, else 1000000), BENCH_PROFILE_DIRTY (0; 1 = the file with
 * one bad row in 1000 and 200 duplicate addresses), BENCH_PROFILE_US (250), BENCH_PROFILE_TOP (40).
 * Results: bench-results/profile.json (and printed).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test, expect } from '../lib/fixtures';
import { controls } from '../lib/app';
import { prepare, rosterLoad } from './page-load';

const ROWS = Number(process.env.BENCH_PROFILE_ROWS ?? process.env.ROSTER_BENCH_ROWS ?? 1_000_000);
const DIRTY = process.env.BENCH_PROFILE_DIRTY === '1';
const INTERVAL_US = Number(process.env.BENCH_PROFILE_US ?? 250);
const TOP = Number(process.env.BENCH_PROFILE_TOP ?? 40);
const OUT = path.join(__dirname, '..', 'bench-results', 'profile.json');

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

/** `roster_core::input::parse::Foo::bar::h0123` → `roster_core`; `<csv_core::X as Y>::z` → `csv_core`. */
function crateOf(fn: string): string {
  const m = /^[<&\s]*(?:mut\s+|dyn\s+)*([A-Za-z_][A-Za-z0-9_]*)::/.exec(fn);
  return m ? m[1] : fn.startsWith('(') ? fn : '(js or unnamed)';
}

/** For roster_core, the module (`roster_core::input::parse`); else the crate. */
function moduleOf(fn: string): string {
  const c = crateOf(fn);
  if (c !== 'roster_core' && c !== 'roster') return c;
  const m = /^[<&\s]*((?:[A-Za-z_][A-Za-z0-9_]*::){1,3})/.exec(fn);
  return m ? m[1].replace(/::$/, '').split('::').filter((p) => /^[a-z_0-9]+$/.test(p)).join('::') : c;
}

function summarise(p: Profile) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n: Node) => {
    const f = n.callFrame;
    const file = f.url ? f.url.split('/').pop() : '';
    if (!f.functionName) return `(anonymous ${file}:${f.lineNumber})`;
    // Rust's hash suffix says nothing to a reader.
    const fn = f.functionName.replace(/::h[0-9a-f]{16}$/, '');
    return file && !file.endsWith('.wasm') && !fn.includes('::') ? `${fn} (${file})` : fn;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const crateSelf = new Map<string, number>();
  const moduleTotal = new Map<string, number>();
  let busy = 0;
  let all = 0;
  for (let k = 0; k < p.samples.length; k++) {
    const dt = (p.timeDeltas[k + 1] ?? 0) / 1000;
    all += dt;
    let id: number | undefined = p.samples[k];
    const leaf = name(byId.get(id)!);
    if (leaf === '(idle)') continue;
    busy += dt;
    self.set(leaf, (self.get(leaf) ?? 0) + dt);
    crateSelf.set(crateOf(leaf), (crateSelf.get(crateOf(leaf)) ?? 0) + dt);
    const seen = new Set<string>();
    const seenModules = new Set<string>();
    while (id !== undefined) {
      const nm = name(byId.get(id)!);
      if (!seen.has(nm)) {
        seen.add(nm);
        total.set(nm, (total.get(nm) ?? 0) + dt);
      }
      const mod = moduleOf(nm);
      if (nm.includes('::') && !seenModules.has(mod)) {
        seenModules.add(mod);
        moduleTotal.set(mod, (moduleTotal.get(mod) ?? 0) + dt);
      }
      id = parent.get(id);
    }
  }
  const top = (m: Map<string, number>, n = TOP) =>
    [...m.entries()]
      .sort((x, y) => y[1] - x[1])
      .slice(0, n)
      .map(([fn, ms]) => ({ fn, ms: Number(ms.toFixed(1)), share: Number((ms / busy).toFixed(3)) }));
  return {
    profile_ms: Number(all.toFixed(1)),
    busy_ms: Number(busy.toFixed(1)),
    samples: p.samples.length,
    self: top(self),
    total: top(total),
    crate_self: top(crateSelf, 25),
    module_total: top(moduleTotal, 40),
  };
}

test(`CPU profile: loading ${ROWS} rows (${DIRTY ? 'dirty' : 'clean'})`, async ({ page }) => {
  test.setTimeout(20 * 60_000);
  await page.goto('/');
  await expect(controls(page).start).toBeVisible({ timeout: 20_000 });
  await prepare(page);
  await page.evaluate(({ rows, dirty }) => {
    const w = window as any;
    w.__file = new File([w.__gen(rows, ',', dirty)], `bench-${rows}.csv`, { type: 'text/csv' });
  }, { rows: ROWS, dirty: DIRTY });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: INTERVAL_US });
  await cdp.send('Profiler.start');
  const r = await rosterLoad(page, ROWS, ',', DIRTY);
  const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: Profile };
  await cdp.detach();
  const named = profile.nodes.some((n) => n.callFrame.functionName.includes('::'));
  const s = summarise(profile);
  const out = { rows: ROWS, dirty: DIRTY, bytes: r.bytes, load_ms: r.ms, interval_us: INTERVAL_US, wasm_names: named, ...s };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(out, null, 2));
  const fmt = (xs: { fn: string; ms: number; share: number }[]) =>
    xs.map((x) => `  ${x.ms.toFixed(1).padStart(8)} ms ${(x.share * 100).toFixed(1).padStart(5)} %  ${x.fn}`).join('\n');
  console.log(
    `[profile] load ${r.ms.toFixed(0)} ms of ${ROWS} rows (${(r.bytes / 1e6).toFixed(1)} MB), profile ${s.profile_ms} ms, busy ${s.busy_ms} ms, wasm names: ${named}\n` +
      `self:\n${fmt(s.self)}\ntotal:\n${fmt(s.total)}\nby crate (self):\n${fmt(s.crate_self)}\nby module (total):\n${fmt(s.module_total)}`,
  );
});
