/**
 * Parse throughput, UI responsiveness, memory and start-up, in one Chromium page:
 *  - Roster's whole read path (file → decode → detect → parse → map → validate, through
 *    the page's drop zone, until the rows are planned) against PapaParse (array rows, and
 *    keyed rows with `header: true`, as Roster keys its rows by column) and uDSV (array
 *    rows and keyed rows) parsing the same text (parsing only, from a JS string), median
 *    of BENCH_REPEAT runs, for each size in BENCH_PARSE_ROWS and three files: comma and
 *    pipe with no bad or duplicate rows ("clean"), and comma with one row in 1000 holding
 *    a bad address and 200 addresses appearing twice ("dirty");
 *  - the JS parsers run in a fresh page of a browser context of their own (its own
 *    renderer process and heap), so Roster's memory does not burden them, in the same run;
 *  - the longest main-thread task and the total long-task time while Roster loads;
 *  - after loading the largest clean comma file: wasm memory, JS heap (as left, and after
 *    a forced garbage collection), and the renderer process's resident and peak memory
 *    (VmRSS, VmHWM from /proc, the renderer found through CDP SystemInfo.getProcessInfo);
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
import { prepare, rosterLoad } from './page-load';
import { rendererMemory } from './renderers';

const SIZES = (process.env.BENCH_PARSE_ROWS ?? '10000,100000,1000000').split(',').map(Number);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const OUT = path.join(__dirname, '..', 'bench-results', 'parse.json');

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

type Parser = 'papaparse' | 'papaparse_header' | 'udsv' | 'udsv_objects';
const PARSERS: Parser[] = ['papaparse', 'papaparse_header', 'udsv', 'udsv_objects'];

/** Parses the text left in `__text` with one parser; ms. */
async function jsParse(page: Page, which: Parser, rows: number, delim: string): Promise<number> {
  return page.evaluate(
    ({ which, rows, delim }) => {
      const w = window as any;
      const text: string = w.__text;
      const t0 = performance.now();
      let n = 0;
      if (which === 'papaparse') {
        n = w.Papa.parse(text, { delimiter: delim, skipEmptyLines: true }).data.length - 1;
      } else if (which === 'papaparse_header') {
        n = w.Papa.parse(text, { delimiter: delim, header: true, skipEmptyLines: true }).data.length;
      } else {
        const parser = w.uDSV.initParser(w.uDSV.inferSchema(text, { col: delim }));
        n = (which === 'udsv' ? parser.stringArrs(text) : parser.stringObjs(text)).length;
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

const FILES = [
  { label: 'comma', delim: ',', dirty: false },
  { label: 'pipe', delim: '|', dirty: false },
  { label: 'comma dirty', delim: ',', dirty: true },
] as const;

for (const rows of SIZES) {
  for (const { label, delim, dirty } of FILES) {
    test(`parse ${rows} rows (${label})`, async ({ page, browser }) => {
      test.setTimeout(45 * 60_000);
      const roster: number[] = [];
      const js: Record<Parser, number[]> = { papaparse: [], papaparse_header: [], udsv: [], udsv_objects: [] };
      let bytes = 0;
      let ready = 0;
      let longest = 0;
      let longTotal = 0;
      // The JS parsers' page: a context of its own, so a renderer and a heap of its own.
      const jsContext = await browser.newContext();
      const jsPage = await jsContext.newPage();
      await jsPage.goto('about:blank');
      await prepare(jsPage, true);
      const jsCdp = await jsContext.newCDPSession(jsPage);
      try {
        for (let i = 0; i < REPEAT; i++) {
          await page.goto('/');
          await expect(controls(page).start).toBeVisible({ timeout: 20_000 });
          await prepare(page);
          const r = await rosterLoad(page, rows, delim, dirty);
          roster.push(r.ms);
          bytes = r.bytes;
          ready = r.ready;
          // "clean" is checked, not assumed: every row ready to send.
          if (!dirty) expect(r.ready).toBe(rows);
          longest = Math.max(longest, r.longest);
          longTotal = Math.max(longTotal, r.total);
          if (i === 0 && rows === Math.max(...SIZES) && label === 'comma') {
            const read = () =>
              page.evaluate(() => {
                const m = (performance as any).memory;
                return {
                  js_heap_bytes: m?.usedJSHeapSize ?? null,
                  wasm_bytes: (window as any).__wasm?.memory?.buffer?.byteLength ?? null,
                };
              });
            // performance.memory is rounded and cached by Chromium; CDP's heap usage is exact.
            const cdp = await page.context().newCDPSession(page);
            const heap = async () => ((await cdp.send('Runtime.getHeapUsage')) as { usedSize: number }).usedSize;
            const asLeft = { ...(await read()), js_heap_cdp_bytes: await heap() };
            await cdp.send('HeapProfiler.collectGarbage');
            const afterGc = { ...(await read()), js_heap_cdp_bytes: await heap() };
            await cdp.detach();
            const renderers = await rendererMemory(page);
            record({
              name: `memory after loading ${rows} rows`,
              file_bytes: bytes,
              wasm_bytes: asLeft.wasm_bytes,
              js_heap_bytes: asLeft.js_heap_cdp_bytes,
              performance_memory_bytes: asLeft.js_heap_bytes,
              js_heap_after_gc_bytes: afterGc.js_heap_cdp_bytes,
              performance_memory_after_gc_bytes: afterGc.js_heap_bytes,
              renderer_rss_bytes: renderers[0]?.rss_bytes ?? null,
              renderer_peak_rss_bytes: renderers[0]?.peak_rss_bytes ?? null,
              renderers,
            });
          }
          await page.goto('about:blank'); // Roster's page lets its memory go while the JS parsers run
          await jsPage.evaluate(({ rows, delim, dirty }) => {
            (window as any).__text = (window as any).__gen(rows, delim, dirty);
          }, { rows, delim, dirty });
          for (const which of PARSERS) {
            await jsCdp.send('HeapProfiler.collectGarbage'); // the previous parser's rows
            js[which].push(await jsParse(jsPage, which, rows, delim));
          }
          await jsPage.evaluate(() => delete (window as any).__text);
        }
      } finally {
        await jsContext.close();
      }
      const mb = bytes / 1e6;
      const m = {
        roster: median(roster),
        papaparse: median(js.papaparse),
        papaparse_header: median(js.papaparse_header),
        udsv: median(js.udsv),
        udsv_objects: median(js.udsv_objects),
      };
      record({
        name: `parse ${label}`,
        file: dirty ? 'one row in 1000 with a bad address, 200 duplicate addresses' : 'no bad or duplicate rows',
        rows,
        ready_rows: ready,
        mb: Number(mb.toFixed(1)),
        roster_ms: m.roster,
        papaparse_ms: m.papaparse,
        papaparse_header_ms: m.papaparse_header,
        udsv_ms: m.udsv,
        udsv_objects_ms: m.udsv_objects,
        roster_mb_s: mb / (m.roster / 1000),
        papaparse_mb_s: mb / (m.papaparse / 1000),
        papaparse_header_mb_s: mb / (m.papaparse_header / 1000),
        udsv_mb_s: mb / (m.udsv / 1000),
        udsv_objects_mb_s: mb / (m.udsv_objects / 1000),
        roster_rows_s: rows / (m.roster / 1000),
        vs_papaparse: m.papaparse / m.roster,
        vs_papaparse_header: m.papaparse_header / m.roster,
        vs_udsv: m.udsv / m.roster,
        vs_udsv_objects: m.udsv_objects / m.roster,
        longest_task_ms: longest,
        long_task_total_ms: longTotal,
        roster_runs_ms: roster,
        ...Object.fromEntries(PARSERS.map((p) => [`${p}_runs_ms`, js[p]])),
      });
    });
  }
}
