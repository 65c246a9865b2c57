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
import { summarise, formatSummary, type Profile } from './cpu-profile';

const ROWS = Number(process.env.BENCH_PROFILE_ROWS ?? process.env.ROSTER_BENCH_ROWS ?? 1_000_000);
const DIRTY = process.env.BENCH_PROFILE_DIRTY === '1';
const INTERVAL_US = Number(process.env.BENCH_PROFILE_US ?? 250);
const OUT = path.join(__dirname, '..', 'bench-results', 'profile.json');

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
  // V8's own `js-to-wasm::` frames have colons too: look for a Rust path.
  const named = profile.nodes.some((n) => /^[<\w]+::\w+::/.test(n.callFrame.functionName) && !n.callFrame.functionName.startsWith('js-to-wasm'));
  const s = summarise(profile, Number(process.env.BENCH_PROFILE_TOP ?? 40));
  const out = { rows: ROWS, dirty: DIRTY, bytes: r.bytes, load_ms: r.ms, interval_us: INTERVAL_US, wasm_names: named, ...s };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(out, null, 2));
  console.log(
    `[profile] load ${r.ms.toFixed(0)} ms of ${ROWS} rows (${(r.bytes / 1e6).toFixed(1)} MB), wasm names: ${named}\n` + formatSummary(s),
  );
});
