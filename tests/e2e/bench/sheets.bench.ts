/**
 * The 100,000-row workbook (issue 25): time from choosing tests/fixtures/sheets/
 * staff-100k.xlsx to a checked table (the worker's reading, then the CSV pipeline's
 * mapping and checks), median of BENCH_REPEAT runs, and the spreadsheet worker's
 * download size (its loader, JS glue and wasm, raw and gzip -9 from dist/), which the
 * page's first load does not carry.
 * Run: cd tests/e2e && npx playwright test -c bench.config.ts bench/sheets.bench.ts
 * Environment: BENCH_REPEAT (5).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { test, expect } from '../lib/fixtures';
import { controls, openApp, waitForFileRead } from '../lib/app';
import { expectCounts, fixturePath } from '../lib/input';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const OUT = path.join(__dirname, '..', 'bench-results', 'sheets.json');
const DIST = process.env.ROSTER_DIST ?? path.join(__dirname, '..', '..', '..', 'dist');

test('100k-row xlsx: time to a checked table, and the worker download size', async ({ page }) => {
  const worker = fs.readdirSync(DIST).filter((f) => f.startsWith('sheets_worker'));
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
