/**
 * Import throughput against the sandbox, measured from the click on "Start import" to
 * the live region's "Import finished":
 *  - latency-bound: ROWS creates with LATENCY ms of server latency and no rate limit, at
 *    each concurrency in CONCURRENCY, against the bound rows × latency / concurrency;
 *  - rate-limited: RATED_ROWS creates at a 60/min key limit with the page paced at 60/min:
 *    the achieved rate against the limit, and the 429s received;
 *  - a one-at-a-time baseline like the seed's PHP script (login, then each create waits
 *    for the previous answer), run from Node against the same server settings;
 *  - main-thread long tasks (PerformanceObserver "longtask", any task over 50 ms) while
 *    importing IMPORT_LONGTASK_ROWS rows to Aurora at zero latency, no rate limit, default
 *    settings, from the click on Start until every row has its final status.
 * A run that makes no progress for BENCH_STALL_MS (60 s) fails with what the page and the
 * sandbox show (lib/watchdog.ts) instead of waiting out its timeout.
 * Environment: BENCH_ROWS (10000), BENCH_LATENCY_MS (50), BENCH_CONCURRENCY ("1,4,6"),
 * BENCH_RATED_ROWS (600; 0 skips), BENCH_BASELINE_ROWS (BENCH_ROWS; 0 skips),
 * BENCH_IMPORT_LONGTASK_ROWS (100000; 0 skips), BENCH_STALL_MS (60000), BENCH_IMPORT_PROFILE
 * (unset; 1 = a CPU profile of each latency-bound run, summarised per function),
 * BENCH_IMPORT_TRACE (unset; 1 = a Chromium trace of each latency-bound run: what the
 * page's main thread spent its tasks on).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test, expect } from '../lib/fixtures';
import { resetSandbox, sandboxState } from '../lib/sandbox';
import { writeFixture } from '../lib/files';
import { controls, fillMumara, openApp } from '../lib/app';
import { clickStart, diagnosis, waitForRunEnd } from '../lib/watchdog';
import { startProfile } from '../lib/profile';
import { summarise, formatSummary, type Profile } from './cpu-profile';

const ROWS = Number(process.env.BENCH_ROWS ?? 10_000);
const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 50);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,4,6').split(',').map(Number).filter((c) => c > 0);
const RATED_ROWS = Number(process.env.BENCH_RATED_ROWS ?? 600);
const BASELINE_ROWS = Number(process.env.BENCH_BASELINE_ROWS ?? ROWS);
const LONGTASK_ROWS = Number(process.env.BENCH_IMPORT_LONGTASK_ROWS ?? 100_000);
const OUT = path.join(__dirname, '..', 'bench-results', 'import.json');

interface Result {
  name: string;
  rows: number;
  seconds: number;
  bound_seconds?: number;
  ratio_to_bound?: number;
  per_minute?: number;
  limit_per_minute?: number;
  rate_limited?: number;
  longest_task_ms?: number;
  long_task_total_ms?: number;
  long_tasks?: number;
  [k: string]: unknown;
}
const results: Result[] = [];

function record(r: Result) {
  results.push(r);
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(results, null, 2));
  console.log(`[bench] ${JSON.stringify(r)}`);
}

function auroraFile(n: number, tag: string): string {
  let s = '';
  for (let i = 1; i <= n; i++) s += `${tag}${i}@localhost | pw${i}\n`;
  return s;
}

test.describe.configure({ mode: 'serial' });

const med = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : 0);
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/**
 * Where a run's time went, from the page's Resource Timing entries of the API requests
 * between `from` and `to` (performance.now() ms): how long each request took from fetch
 * start to its answer's end (the server's latency, any preflight, the network and the
 * browser's own work), and, one request after the other, the page's gap between one
 * answer's end and the next request's start (the driver's wake-up and the next request's
 * construction; meaningful at one in flight).
 */
async function requestTiming(page: import('@playwright/test').Page, apiUrl: string, from: number, to: number) {
  const entries = await page.evaluate(
    ({ apiUrl, from, to }) =>
      (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
        .filter((e) => e.name.startsWith(apiUrl) && !e.name.includes('/_sandbox/') && e.startTime >= from && e.startTime <= to)
        .map((e) => ({ start: e.startTime, end: e.responseEnd })),
    { apiUrl, from, to },
  );
  entries.sort((a, b) => a.start - b.start);
  const durations = entries.map((e) => e.end - e.start);
  const gaps: number[] = [];
  for (let i = 1; i < entries.length; i++) gaps.push(entries[i].start - entries[i - 1].end);
  // How long each request after the first waited from the latest answer before it (a
  // slot freed) to its own start: the page's refill time, at any number in flight.
  const ends = entries.map((e) => e.end).sort((a, b) => a - b);
  const refills: number[] = [];
  let j = 0;
  for (const e of entries.slice(1)) {
    while (j < ends.length && ends[j] <= e.start) j++;
    if (j > 0) refills.push(e.start - ends[j - 1]);
  }
  const span = entries.length ? Math.max(...entries.map((e) => e.end)) - entries[0].start : 0;
  return {
    requests: entries.length,
    request_ms_median: med(durations),
    request_ms_mean: mean(durations),
    request_ms_max: Math.max(0, ...durations),
    gap_ms_median: med(gaps),
    gap_ms_mean: mean(gaps),
    refill_ms_median: med(refills),
    refill_ms_mean: mean(refills),
    // From the first request's start to the last answer's end, and the requests in
    // flight on average over it (the sum of their times over the span).
    requests_span_ms: span,
    in_flight_mean: span > 0 ? durations.reduce((a, b) => a + b, 0) / span : 0,
    click_to_first_request_ms: entries.length ? entries[0].start - from : 0,
    last_answer_to_finished_ms: entries.length ? to - entries[entries.length - 1].end : 0,
  };
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  args?: { name?: string };
}

/**
 * The renderer main thread's tasks in a Chromium trace: their busy time, the time of each
 * kind of work directly inside them (script, style, layout, paint, network callbacks…),
 * and how many tasks ran longer than 4, 16 and 50 ms (an answer that arrives during one
 * waits for its end).
 */
function traceSummary(trace: { traceEvents: TraceEvent[] }): string {
  const events = trace.traceEvents;
  const mains = events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  let best = '';
  let bestBusy = -1;
  for (const m of mains) {
    const own = events.filter((e) => e.pid === m.pid && e.tid === m.tid && e.ph === 'X' && e.dur !== undefined);
    own.sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
    const byName = new Map<string, number>();
    let busy = 0;
    let tasks = 0;
    const longer = [4, 16, 50].map(() => 0);
    let taskEnd = -1;
    let childEnd = -1;
    let covered = 0;
    for (const e of own) {
      const end = e.ts + (e.dur ?? 0);
      if (e.ts >= taskEnd) {
        if (e.name !== 'RunTask' && e.name !== 'ThreadControllerImpl::RunTask') continue;
        if (tasks > 0) byName.set('(the task itself)', (byName.get('(the task itself)') ?? 0) + covered);
        tasks += 1;
        busy += e.dur ?? 0;
        [4, 16, 50].forEach((ms, i) => ((e.dur ?? 0) > ms * 1000 ? (longer[i] += 1) : 0));
        taskEnd = end;
        childEnd = e.ts;
        covered = e.dur ?? 0;
        continue;
      }
      if (e.ts < childEnd) continue; // nested deeper
      byName.set(e.name, (byName.get(e.name) ?? 0) + (e.dur ?? 0));
      covered -= e.dur ?? 0;
      childEnd = end;
    }
    if (tasks > 0) byName.set('(the task itself)', (byName.get('(the task itself)') ?? 0) + covered);
    if (busy <= bestBusy) continue;
    bestBusy = busy;
    const top = [...byName.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15);
    best =
      `main thread busy ${(busy / 1000).toFixed(1)} ms in ${tasks} tasks (over 4 ms: ${longer[0]}, over 16 ms: ${longer[1]}, over 50 ms: ${longer[2]})\n` +
      top.map(([n, us]) => `  ${(us / 1000).toFixed(1).padStart(9)} ms  ${n}`).join('\n');
  }
  return best || 'no renderer main thread in the trace';
}

for (const c of CONCURRENCY) {
  test(`Aurora: ${ROWS} creates, ${LATENCY} ms latency, ${c} in flight`, async ({ page, sandbox }) => {
    await resetSandbox({ aurora: { latency_ms: LATENCY } });
    // Every request's Resource Timing entry (the default buffer keeps 250), and the
    // page's own times of the click on Start and of the live region's "Import finished"
    // (the watchdog below looks once a second: its time is up to a second late).
    await page.addInitScript(() => {
      performance.setResourceTimingBufferSize(1_000_000);
      const w = window as unknown as { __benchClickAt?: number; __benchFinishedAt?: number };
      document.addEventListener(
        'click',
        (e) => {
          const button = (e.target as Element | null)?.closest?.('button');
          if (button && button.textContent?.trim() === 'Start import' && w.__benchClickAt === undefined) {
            w.__benchClickAt = performance.now();
          }
        },
        true,
      );
      new MutationObserver(() => {
        if (w.__benchClickAt === undefined || w.__benchFinishedAt !== undefined) return;
        for (const region of document.querySelectorAll('[role="status"]')) {
          if (region.textContent?.includes('Import finished')) w.__benchFinishedAt = performance.now();
        }
      }).observe(document, { subtree: true, childList: true, characterData: true });
    });
    await openApp(page);
    await controls(page).chooseFile.setInputFiles(writeFixture('bench.txt', auroraFile(ROWS, `c${c}-`)));
    await expect(controls(page).progress).toHaveAttribute('aria-valuemax', String(ROWS));
    const ui = controls(page);
    await ui.serverUrl.fill(sandbox.auroraServerUrl);
    await ui.password.fill('12345');
    await page.getByLabel('Parallel requests').fill(String(c));
    await page.getByLabel('Attempts per row').fill('1');
    const preflights0 = (await sandboxState()).preflights;
    // BENCH_IMPORT_PROFILE=1: a CPU profile of the whole run, summarised per function.
    const cdp = process.env.BENCH_IMPORT_PROFILE ? await page.context().newCDPSession(page) : undefined;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
      await cdp.send('Profiler.start');
    }
    // BENCH_IMPORT_TRACE=1: a Chromium trace of the run, summarised: what the page's main
    // thread spent its tasks on (the CPU profile's "(program)" is the browser's own work).
    const browser = process.env.BENCH_IMPORT_TRACE ? page.context().browser() : null;
    if (browser) await browser.startTracing(page, { categories: ['toplevel', 'devtools.timeline', 'v8.execute', 'loading'] });
    const p0 = await page.evaluate(() => performance.now());
    const t0 = Date.now();
    await clickStart(page);
    await waitForRunEnd(page, { overallMs: 60 * 60_000, what: `the c=${c} run` });
    const polled = (Date.now() - t0) / 1000;
    const marks = await page.evaluate(() => {
      const w = window as unknown as { __benchClickAt?: number; __benchFinishedAt?: number };
      return { click: w.__benchClickAt, finished: w.__benchFinishedAt };
    });
    const clickAt = marks.click ?? p0;
    const finishedAt = marks.finished;
    // The page's own time from the click to "Import finished" (the watchdog's, when the
    // page's mark is missing).
    const seconds = finishedAt === undefined ? polled : (finishedAt - clickAt) / 1000;
    if (cdp) {
      const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: Profile };
      await cdp.detach();
      console.log(`[profile] c=${c}, ${ROWS} rows: ${formatSummary(summarise(profile, 40))}`);
    }
    if (browser) console.log(`[trace] c=${c}, ${ROWS} rows:\n${traceSummary(JSON.parse((await browser.stopTracing()).toString()))}`);
    const p1 = await page.evaluate(() => performance.now());
    const state = await sandboxState();
    expect(state.aurora.users).toHaveLength(ROWS);
    const bound = (ROWS * LATENCY) / 1000 / c;
    const timing = await requestTiming(page, sandbox.apiUrl, clickAt, finishedAt ?? p1);
    record({
      name: `latency-bound c=${c}`,
      rows: ROWS,
      seconds,
      seconds_polled: polled,
      bound_seconds: bound,
      ratio_to_bound: seconds / bound,
      preflights: state.preflights - preflights0,
      ...timing,
    });
  });
}

test(`Mumara: ${RATED_ROWS} creates at a 60/min limit`, async ({ page, sandbox }) => {
  test.skip(RATED_ROWS === 0, 'BENCH_RATED_ROWS=0');
  await resetSandbox({ mumara: { rate_limit: 60, rate_window_ms: 60_000 } });
  let file = 'name,email,password\n';
  for (let i = 1; i <= RATED_ROWS; i++) file += `User ${i},r${i}@example.com,pw${i}\n`;
  await openApp(page);
  await controls(page).chooseFile.setInputFiles(writeFixture('rated.csv', file));
  // The whole file is read and checked before the target changes (see fillMumara).
  await expect(controls(page).progress).toHaveAttribute('aria-valuemax', String(RATED_ROWS));
  const ui = controls(page);
  await fillMumara(page, { serverUrl: sandbox.apiUrl, apiKey: 'sandbox-key', packageId: '1' });
  await expect(page.getByLabel('Requests per minute')).toHaveValue('60');
  const t0 = Date.now();
  await clickStart(page);
  try {
    await expect(ui.statusRegion.filter({ hasText: 'Import started' })).toBeAttached({ timeout: 10_000 });
  } catch {
    throw new Error(await diagnosis(page, 'no "Import started" within 10 s of the click on Start'));
  }
  await waitForRunEnd(page, { overallMs: RATED_ROWS * 1500 + 60_000, what: 'the rate-limited run' });
  const seconds = (Date.now() - t0) / 1000;
  const state = await sandboxState();
  expect(state.mumara.users).toHaveLength(RATED_ROWS);
  // The first request opens the first window; n requests at 60/min need (n - 1) s.
  record({
    name: 'rate-limited 60/min',
    rows: RATED_ROWS,
    seconds,
    per_minute: ((RATED_ROWS - 1) * 60) / seconds,
    limit_per_minute: 60,
    rate_limited: state.mumara.rate_limited,
  });
});

test(`seed-like sequential baseline: ${BASELINE_ROWS} creates, ${LATENCY} ms latency`, async ({ sandbox }) => {
  test.skip(BASELINE_ROWS === 0, 'BENCH_BASELINE_ROWS=0');
  await resetSandbox({ aurora: { latency_ms: LATENCY } });
  const api = sandbox.auroraServerUrl + '?/Api/';
  const post = async (fields: Record<string, string>, token?: string) => {
    const res = await fetch(api, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: new URLSearchParams(fields).toString(),
    });
    return res.json();
  };
  const t0 = Date.now();
  const login = await post({ Module: 'AdminAuth', Method: 'LoginAsSuperadmin', Parameters: JSON.stringify({ Login: 'superadmin', Password: '12345' }) });
  const token = login.Result.AuthToken;
  for (let i = 1; i <= BASELINE_ROWS; i++) {
    const params = { UserId: 0, TenantId: 0, Role: 2, WriteSeparateLog: false, Forced: true, PublicId: `s${i}@localhost`, DomainId: 0, QuotaBytes: 0, Password: `pw${i}` };
    await post({ Module: 'Core', Method: 'CreateUser', Parameters: JSON.stringify(params) }, token);
  }
  const seconds = (Date.now() - t0) / 1000;
  expect((await sandboxState()).aurora.users).toHaveLength(BASELINE_ROWS);
  const bound = (BASELINE_ROWS * LATENCY) / 1000;
  record({ name: 'sequential baseline (seed script)', rows: BASELINE_ROWS, seconds, bound_seconds: bound, ratio_to_bound: seconds / bound });
});

test(`long tasks: Aurora, ${LONGTASK_ROWS} creates at 0 ms latency`, async ({ page, sandbox }) => {
  test.skip(LONGTASK_ROWS === 0, 'BENCH_IMPORT_LONGTASK_ROWS=0');
  await resetSandbox({ aurora: { latency_ms: 0 } });
  await page.addInitScript(() => {
    const w = window as unknown as { __longtasks: { start: number; duration: number }[] };
    w.__longtasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  await openApp(page);
  const ui = controls(page);
  await ui.chooseFile.setInputFiles(writeFixture('longtasks.txt', auroraFile(LONGTASK_ROWS, 'lt')));
  await expect(ui.progress).toHaveAttribute('aria-valuemax', String(LONGTASK_ROWS), { timeout: 300_000 });
  await ui.serverUrl.fill(sandbox.auroraServerUrl);
  await ui.password.fill('12345');
  await expect(ui.start).toBeEnabled({ timeout: 300_000 });
  await page.waitForTimeout(1000);
  // ROSTER_BENCH_PROFILE=1: sample the page's CPU and print what the long stretches ran.
  const profiler = process.env.ROSTER_BENCH_PROFILE ? await startProfile(page) : undefined;
  const t0 = await page.evaluate(() => performance.now());
  const w0 = Date.now();
  await clickStart(page);
  await waitForRunEnd(page, { overallMs: 60 * 60_000, what: 'the long-task run' });
  await expect(ui.progress).toHaveAttribute('aria-valuenow', String(LONGTASK_ROWS));
  const seconds = (Date.now() - w0) / 1000;
  await page.waitForTimeout(500); // the last entries reach the observer
  const tasks = await page.evaluate(
    (since) =>
      (window as unknown as { __longtasks: { start: number; duration: number }[] }).__longtasks.filter((l) => l.start >= since),
    t0,
  );
  if (profiler) console.log(await profiler.stop(tasks));
  expect((await sandboxState()).aurora.create_calls).toBe(LONGTASK_ROWS);
  const durations = tasks.map((t) => t.duration);
  console.log(`[bench] long tasks (ms, start at s after Start): ${tasks.map((t) => `${Math.round(t.duration)}@${((t.start - t0) / 1000).toFixed(1)}`).join(' ')}`);
  record({
    name: `long tasks importing (Aurora, 0 ms latency, defaults)`,
    rows: LONGTASK_ROWS,
    seconds,
    longest_task_ms: Math.round(Math.max(0, ...durations)),
    long_task_total_ms: Math.round(durations.reduce((a, b) => a + b, 0)),
    long_tasks: tasks.length,
  });
});
