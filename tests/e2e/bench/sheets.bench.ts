/**
 * The 100,000-row workbook (issue 25): time from choosing tests/fixtures/sheets/
 * staff-100k.xlsx to a checked table (the worker's reading, then the CSV pipeline's
 * mapping and checks), median of BENCH_REPEAT runs, and the spreadsheet reader's
 * download size (the page's module `sheets_page.js`, the worker's loader, JS glue and
 * wasm, raw and gzip -9 from dist/), which the page's first load does not carry.
 * Run: cd tests/e2e && npx playwright test -c bench.config.ts bench/sheets.bench.ts
 * Environment: BENCH_REPEAT (5).
 *
 * And a sheet of BENCH_SHEET_ROWS rows (1,000,000; 0 leaves it out), the same rows as an
 * .xlsx (openpyxl) and as CSV, written at test time by `scripts/make-sheet-fixtures.py
 * --big N DIR` (BENCH_SHEET_PYTHON, a Python with openpyxl: /tmp/sheets-venv/bin/python
 * as that script says; BENCH_SHEET_DIR, os.tmpdir()/roster-sheets-N; not committed):
 * each loaded in a fresh browser context to a checked table, then the page's wasm
 * memory, its JS heap (CDP, before and after a forced GC) and the renderer's resident
 * and peak memory (VmRSS, VmHWM: the worker is a thread of that process, so its peak is
 * in there), into bench-results/sheets-memory.json.
 */
import * as child from 'node:child_process';
import * as os from 'node:os';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { test, expect } from '../lib/fixtures';
import { controls, openApp, waitForFileRead } from '../lib/app';
import { expectCounts, fixturePath } from '../lib/input';
import { rendererMemory } from './renderers';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const OUT = path.join(__dirname, '..', 'bench-results', 'sheets.json');
const DIST = process.env.ROSTER_DIST ?? path.join(__dirname, '..', '..', '..', 'dist');

test('100k-row xlsx: time to a checked table, and the worker download size', async ({ page }) => {
  // The worker's loader, glue and wasm, and the page's module that starts it (not the
  // precompressed .gz/.br copies).
  const worker = fs.readdirSync(DIST).filter((f) => /^sheets_.*\.(js|wasm)$/.test(f));
  expect(worker.length).toBeGreaterThan(0);
  let raw = 0;
  let gzip = 0;
  for (const f of worker) {
    const bytes = fs.readFileSync(path.join(DIST, f));
    raw += bytes.length;
    gzip += zlib.gzipSync(bytes, { level: 9 }).length;
  }
  const times: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    await openApp(page);
    const t0 = Date.now();
    await controls(page).chooseFile.setInputFiles(fixturePath('sheets/staff-100k.xlsx'));
    await waitForFileRead(page, 10 * 60_000);
    await expectCounts(page, 100_000, 0, 0);
    times.push(Date.now() - t0);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const result = {
    rows: 100_000,
    file_bytes: fs.statSync(fixturePath('sheets/staff-100k.xlsx')).size,
    median_ms_to_checked_table: sorted[Math.floor(sorted.length / 2)],
    runs_ms: times,
    worker_files: worker,
    worker_raw_bytes: raw,
    worker_gzip9_bytes: gzip,
  };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(result, null, 2));
  console.log(`[bench] ${JSON.stringify(result)}`);
});

const SHEET_ROWS = Number(process.env.BENCH_SHEET_ROWS ?? 1_000_000);
const SHEET_DIR = process.env.BENCH_SHEET_DIR ?? path.join(os.tmpdir(), `roster-sheets-${SHEET_ROWS}`);
const SHEET_PYTHON = process.env.BENCH_SHEET_PYTHON ?? '/tmp/sheets-venv/bin/python';
const MEMORY_OUT = path.join(__dirname, '..', 'bench-results', 'sheets-memory.json');


test('a sheet of BENCH_SHEET_ROWS rows as xlsx and as csv: memory after the checked table', async ({ browser }) => {
  test.skip(SHEET_ROWS <= 0, 'BENCH_SHEET_ROWS=0');
  test.setTimeout(60 * 60_000);
  const files = ['xlsx', 'csv'].map((ext) => path.join(SHEET_DIR, `staff-${SHEET_ROWS}.${ext}`));
  if (!files.every((f) => fs.existsSync(f))) {
    const script = path.join(__dirname, '..', '..', '..', 'scripts', 'make-sheet-fixtures.py');
    child.execFileSync(SHEET_PYTHON, [script, '--big', String(SHEET_ROWS), SHEET_DIR], { stdio: 'inherit' });
  }
  const results = [];
  for (const file of files) {
    // A context of its own: a fresh renderer, so its peak is this file's.
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(() =>
      addEventListener('TrunkApplicationStarted', (e: any) => ((window as any).__wasm = e.detail.wasm)),
    );
    await openApp(page);
    const t0 = Date.now();
    await controls(page).chooseFile.setInputFiles(file);
    await waitForFileRead(page, 30 * 60_000);
    await expectCounts(page, SHEET_ROWS, 0, 0);
    const ms = Date.now() - t0;
    const cdp = await context.newCDPSession(page);
    const heap = async () => ((await cdp.send('Runtime.getHeapUsage')) as { usedSize: number }).usedSize;
    const wasm = () => page.evaluate(() => (window as any).__wasm?.memory?.buffer?.byteLength ?? null);
    const jsHeap = await heap();
    await cdp.send('HeapProfiler.collectGarbage');
    const jsHeapAfterGc = await heap();
    await cdp.detach();
    const procs = await rendererMemory(page);
    results.push({
      file: path.basename(file),
      file_bytes: fs.statSync(file).size,
      rows: SHEET_ROWS,
      ms_to_checked_table: ms,
      wasm_bytes: await wasm(),
      js_heap_bytes: jsHeap,
      js_heap_after_gc_bytes: jsHeapAfterGc,
      renderer_rss_bytes: procs[0]?.rss_bytes ?? null,
      renderer_peak_rss_bytes: procs[0]?.peak_rss_bytes ?? null,
      renderers: procs,
    });
    await context.close();
  }
  fs.mkdirSync(path.dirname(MEMORY_OUT), { recursive: true });
  fs.writeFileSync(MEMORY_OUT, JSON.stringify(results, null, 2));
  console.log(`[bench] ${JSON.stringify(results)}`);
});
