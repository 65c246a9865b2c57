/**
 * Loads a generated 1,000,000-row (~100 MB) CSV through the file picker and records every
 * main-thread long task (PerformanceObserver, type "longtask": any task over 50 ms) from
 * the moment the file is picked until its rows are shown; then scrolls to the last row,
 * filters to rows with problems, and edits one row, recording long tasks for each.
 *
 * Not a test: it prints its figures (and writes them to test-results/bench/longtasks.json).
 * ROSTER_BENCH_ROWS changes the row count.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test, expect } from '../lib/fixtures';
import { controls, openApp } from '../lib/app';
import { inputControls } from '../lib/input';

const ROWS = Number(process.env.ROSTER_BENCH_ROWS || 1_000_000);

/** About 100 bytes a row; one row in 1000 has a bad address, one in 5000 is a duplicate. */
function generate(file: string): void {
  const out = fs.openSync(file, 'w');
  let chunk = 'email,password,first name,last name,quota,role\n';
  for (let i = 1; i <= ROWS; i++) {
    const n = String(i).padStart(7, '0');
    const email =
      i % 1000 === 0 ? `user${n} at example-company.com` : i % 5000 === 2 ? `user${String(i - 1).padStart(7, '0')}@example-company.com` : `user${n}@example-company.com`;
    chunk += `${email},Pw-${n}-${(i * 7919) % 99991}-secret-value,Firstname${i % 1000},Lastname-${i % 977},${(i % 50) * 100} MB,2\n`;
    if (chunk.length > 1 << 20) {
      fs.writeSync(out, chunk);
      chunk = '';
    }
  }
  fs.writeSync(out, chunk);
  fs.closeSync(out);
}

interface LongTask {
  start: number;
  duration: number;
}

test('long tasks while loading a 1M-row file', async ({ page }) => {
  const file = path.join(os.tmpdir(), `roster-bench-${ROWS}.csv`);
  if (!fs.existsSync(file)) generate(file);
  const size = fs.statSync(file).size;

  await page.addInitScript(() => {
    const w = window as unknown as { __longtasks: { start: number; duration: number }[] };
    w.__longtasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  await openApp(page);
  await page.waitForTimeout(1000);
  const now = () => page.evaluate(() => performance.now());
  const tasksSince = (t: number) =>
    page.evaluate(
      (since) =>
        (window as unknown as { __longtasks: LongTask[] }).__longtasks.filter((l) => l.start >= since),
      t,
    );
  const summary = (tasks: LongTask[]) => ({
    count: tasks.length,
    max_ms: Math.round(Math.max(0, ...tasks.map((t) => t.duration))),
    durations_ms: tasks.map((t) => Math.round(t.duration)),
  });

  // ROSTER_BENCH_TRACE=1: record a Chromium trace and print what each long task did.
  const browser = page.context().browser()!;
  const trace = !!process.env.ROSTER_BENCH_TRACE;
  if (trace) await browser.startTracing(page, { categories: ['devtools.timeline', 'v8', 'disabled-by-default-devtools.timeline'] });

  // 1. Load.
  const t0 = await now();
  await controls(page).chooseFile.setInputFiles(file);
  await expect(page.getByText(new RegExp(`: ${ROWS} rows \\(`))).toBeVisible({ timeout: 600_000 });
  await expect(inputControls(page).readingProgress).toBeHidden({ timeout: 600_000 });
  const t1 = await now();
  const load = await tasksSince(t0);
  const counts = await inputControls(page).counts.textContent();

  // 2. Scroll to the last row.
  const wrap = controls(page).rowsTable.locator('xpath=..');
  const t2 = await now();
  await wrap.evaluate((el) => (el.scrollTop = el.scrollHeight));
  // The last row starts on line ROWS + 1 (the header is line 1).
  await expect(controls(page).rowsTable.getByRole('cell', { name: String(ROWS + 1), exact: true })).toBeVisible();
  const scroll = await tasksSince(t2);

  // 3. Only rows with problems.
  const t3 = await now();
  await inputControls(page).onlyProblems.check();
  await expect(controls(page).rowsTable.getByRole('row')).not.toHaveCount(1);
  const t4 = await now();
  const filter = await tasksSince(t3);

  // 4. Fix the first problem row inline.
  const t5 = await now();
  await page.getByRole('button', { name: /^Edit line \d+$/ }).first().click();
  const form = page.getByRole('form', { name: /^Edit line/ });
  await form.getByLabel('email', { exact: true }).fill('fixed-row@example-company.com');
  await form.getByRole('button', { name: 'Save row' }).click();
  await expect(form).toBeHidden();
  const edit = await tasksSince(t5);

  // 5. Check every row again under a new rule (minimum password length).
  await inputControls(page).onlyProblems.uncheck();
  const t6 = await now();
  await inputControls(page).minPassword.fill('30');
  await inputControls(page).minPassword.blur();
  await expect(inputControls(page).counts).toHaveText(/^0 ready/, { timeout: 600_000 });
  const t7 = await now();
  const replan = await tasksSince(t6);

  // 6. Load the same file again: the previous million rows are let go of.
  const t8 = await now();
  await controls(page).chooseFile.setInputFiles(file);
  // A small (smoke-size) file can be read before the bar is ever seen.
  if (ROWS >= 100_000) await expect(inputControls(page).readingProgress).toBeVisible();
  await expect(inputControls(page).readingProgress).toBeHidden({ timeout: 600_000 });
  await expect(page.getByText(new RegExp(`: ${ROWS} rows \\(`))).toBeVisible();
  const t9 = await now();
  await page.waitForTimeout(2000);
  const reload = await tasksSince(t8);

  const result = {
    rows: ROWS,
    bytes: size,
    chromium: page.context().browser()?.version(),
    load_ms: Math.round(t1 - t0),
    counts_after_load: counts,
    longtasks: {
      load: summary(load),
      scroll_to_end: summary(scroll),
      only_problems: { ...summary(filter), took_ms: Math.round(t4 - t3) },
      edit_one_row: summary(edit),
      recheck_all_rows: { ...summary(replan), took_ms: Math.round(t7 - t6) },
      load_again: { ...summary(reload), took_ms: Math.round(t9 - t8) },
    },
  };
  if (trace) {
    const buf = await browser.stopTracing();
    const events = (JSON.parse(buf.toString()).traceEvents ?? []) as {
      name: string; ph: string; ts: number; dur?: number; tid: number; args?: unknown;
    }[];
    const tasks = events.filter((e) => e.name === 'RunTask' && (e.dur ?? 0) > 50_000);
    for (const t of tasks) {
      const inner = events
        .filter((e) => e.tid === t.tid && e.ts >= t.ts && e.ts + (e.dur ?? 0) <= t.ts + t.dur! && (e.dur ?? 0) > 5_000 && e !== t)
        .map((e) => `${e.name} ${Math.round((e.dur ?? 0) / 1000)}ms ${JSON.stringify(e.args ?? {}).slice(0, 160)}`);
      console.log(`long task ${Math.round(t.dur! / 1000)} ms:\n  ${inner.slice(0, 25).join('\n  ')}`);
    }
  }
  const text = JSON.stringify(result, null, 2);
  console.log(text);
  const outDir = path.resolve(__dirname, '..', 'test-results', 'bench');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'longtasks.json'), text + '\n');
});
