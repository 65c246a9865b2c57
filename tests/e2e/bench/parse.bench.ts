/**
 * Parse throughput, UI responsiveness, memory and start-up, in one Chromium page:
 *  - Roster's whole read path (file → decode → detect → parse → map → validate, through
 *    the page's drop zone, until the rows are planned) against PapaParse and uDSV parsing
 *    the same text (parsing only), median of BENCH_REPEAT runs, for each size in
 *    BENCH_PARSE_ROWS and both delimiters (comma, pipe);
 *  - the longest main-thread task and the total long-task time while Roster loads the
 *    largest file;
 *  - JS heap plus wasm memory after loading it;
 *  - time from navigation to a usable page, median of BENCH_REPEAT loads.
 * The files are generated in the page (about 100 bytes a row, 10 % of rows with a quoted
 * field holding the delimiter), so no 100 MB crosses the DevTools protocol.
 * Environment: BENCH_PARSE_ROWS ("10000,100000,1000000"), BENCH_REPEAT (5).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect } from '../lib/fixtures';
import { controls } from '../lib/app';

const SIZES = (process.env.BENCH_PARSE_ROWS ?? '10000,100000,1000000').split(',').map(Number);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const OUT = path.join(__dirname, '..', 'bench-results', 'parse.json');
const NM = path.join(__dirname, '..', 'node_modules');

test.use({ bypassCSP: true }); // only so the two comparison parsers can be injected

interface Row {
  [k: string]: unknown;
}
const results: Row[] = [];
function record(r: Row) {
  results.push(r);
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(results, null, 2));
  console.log(`[bench] ${JSON.stringify(r)}`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Installs the generator, the long-task observer and the comparison parsers. */
async function prepare(page: Page) {
  await page.addScriptTag({ path: path.join(NM, 'papaparse', 'papaparse.min.js') });
  await page.addScriptTag({ path: path.join(NM, 'udsv', 'dist', 'uDSV.iife.min.js') });
  await page.evaluate(() => {
    const w = window as any;
    w.__gen = (rows: number, delim: string): string => {
      let seed = 42;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
      const word = (n: number) => {
        let s = '';
        for (let i = 0; i < n; i++) s += String.fromCharCode(97 + Math.floor(rnd() * 26));
        return s;
      };
      const parts: string[] = [['email', 'password', 'name', 'role', 'quota_mb', 'note'].join(delim)];
      for (let i = 0; i < rows; i++) {
        const quoted = i % 10 === 0;
        const name = quoted ? `"${word(6)}${delim} ${word(7)}"` : `${word(6)} ${word(7)}`;
        parts.push([`user${i}@example.com`, `Pw-${word(10)}`, name, '2', String(100 + (i % 900)), word(24)].join(delim));
      }
      return parts.join('\n') + '\n';
    };
    w.__longtasks = [] as number[];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longtasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
}

/** Drops generated text on the page's drop zone; resolves with ms until the rows are planned. */
async function rosterLoad(page: Page, rows: number, delim: string): Promise<{ ms: number; bytes: number; longest: number; total: number }> {
  return page.evaluate(
    async ({ rows, delim }) => {
      const w = window as any;
      const text: string = w.__gen(rows, delim);
      const file = new File([text], `bench-${rows}.csv`, { type: 'text/csv' });
      const zone = document.querySelector('[aria-label="Drop zone"]')!;
      const bar = document.querySelector('[role="progressbar"][aria-label="Import progress"]')!;
      await new Promise((r) => setTimeout(r, 50));
      w.__longtasks.length = 0;
      const done = new Promise<number>((resolve) => {
        const check = () => {
          if (bar.getAttribute('aria-valuemax') === String(rows)) {
            obs.disconnect();
            resolve(performance.now());
          }
        };
        const obs = new MutationObserver(check);
        obs.observe(bar, { attributes: true });
      });
      const dt = new DataTransfer();
      dt.items.add(file);
      const t0 = performance.now();
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      const t1 = await done;
      // Let trailing tasks land in the observer.
      await new Promise((r) => setTimeout(r, 100));
      const lt: number[] = w.__longtasks;
      return { ms: t1 - t0, bytes: file.size, longest: lt.length ? Math.max(...lt) : 0, total: lt.reduce((a, b) => a + b, 0) };
    },
    { rows, delim },
  );
}

async function jsParse(page: Page, which: 'papaparse' | 'udsv', rows: number, delim: string): Promise<number> {
  return page.evaluate(
    ({ which, rows, delim }) => {
      const w = window as any;
      const text: string = w.__gen(rows, delim);
      const t0 = performance.now();
      let n = 0;
      if (which === 'papaparse') {
        n = w.Papa.parse(text, { delimiter: delim, skipEmptyLines: true }).data.length;
      } else {
        const schema = w.uDSV.inferSchema(text, { col: delim });
        n = w.uDSV.initParser(schema).stringArrs(text).length;
      }
      const ms = performance.now() - t0;
      if (n < rows) throw new Error(`${which} parsed ${n} rows of ${rows}`);
      return ms;
    },
    { which, rows, delim },
  );
}

test.describe.configure({ mode: 'serial' });

test.beforeEach(async ({ page }) => {
  // Trunk's loader announces the started module; keep its exports (and so its memory).
  await page.addInitScript(() =>
    addEventListener('TrunkApplicationStarted', (e: any) => ((window as any).__wasm = e.detail.wasm)),
  );
});

test('start-up: navigation to a usable page', async ({ page }) => {
  const times: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    await page.goto('/');
    await expect(controls(page).chooseFile).toBeAttached({ timeout: 20_000 });
    times.push(
      await page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
        return performance.now() - nav.startTime;
      }),
    );
  }
  record({ name: 'start-up', median_ms: median(times), runs: times });
});

for (const rows of SIZES) {
  for (const [label, delim] of [
    ['comma', ','],
    ['pipe', '|'],
  ] as const) {
    test(`parse ${rows} rows (${label})`, async ({ page }) => {
      test.setTimeout(30 * 60_000);
      const roster: number[] = [];
      const papa: number[] = [];
      const udsv: number[] = [];
      let bytes = 0;
      let longest = 0;
      let longTotal = 0;
      for (let i = 0; i < REPEAT; i++) {
        await page.goto('/');
        await expect(controls(page).start).toBeVisible({ timeout: 20_000 });
        await prepare(page);
        const r = await rosterLoad(page, rows, delim);
        roster.push(r.ms);
        bytes = r.bytes;
        longest = Math.max(longest, r.longest);
        longTotal = Math.max(longTotal, r.total);
        if (i === 0 && rows === Math.max(...SIZES) && label === 'comma') {
          const mem = await page.evaluate(() => {
            const m = (performance as any).memory;
            const wasm = (window as any).__wasm?.memory?.buffer?.byteLength ?? null;
            return { js_heap_bytes: m?.usedJSHeapSize ?? null, wasm_bytes: wasm };
          });
          record({ name: `memory after loading ${rows} rows`, ...mem });
        }
        papa.push(await jsParse(page, 'papaparse', rows, delim));
        udsv.push(await jsParse(page, 'udsv', rows, delim));
      }
      const mb = bytes / 1e6;
      const m = { roster: median(roster), papaparse: median(papa), udsv: median(udsv) };
      record({
        name: `parse ${label}`,
        rows,
        mb: Number(mb.toFixed(1)),
        roster_ms: m.roster,
        papaparse_ms: m.papaparse,
        udsv_ms: m.udsv,
        roster_mb_s: mb / (m.roster / 1000),
        papaparse_mb_s: mb / (m.papaparse / 1000),
        udsv_mb_s: mb / (m.udsv / 1000),
        roster_rows_s: rows / (m.roster / 1000),
        vs_papaparse: m.papaparse / m.roster,
        vs_udsv: m.udsv / m.roster,
        longest_task_ms: longest,
        long_task_total_ms: longTotal,
      });
    });
  }
}
