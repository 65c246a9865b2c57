/**
 * A limit the form does not state: Mumara, the "Requests per minute" field left empty,
 * the sandbox holding the key to UNSTATED_LIMIT requests per minute (a one-minute fixed
 * window, Laravel's throttle). The page has only the server's X-RateLimit-* headers (and
 * any 429) to find the pace. Measured from the click on Start to "Import finished", and
 * set against rows / limit minutes, the time a client paced exactly at the limit needs
 * (the goal: a ratio of at most 1.1). Numbers are recorded, never judged.
 * Environment: BENCH_UNSTATED_ROWS (240; 0 skips), BENCH_UNSTATED_LIMIT (120).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test, expect } from '../lib/fixtures';
import { resetSandbox, sandboxState } from '../lib/sandbox';
import { writeFixture } from '../lib/files';
import { controls, fillMumara, openApp } from '../lib/app';
import { clickStart, waitForRunEnd } from '../lib/watchdog';

const ROWS = Number(process.env.BENCH_UNSTATED_ROWS ?? 240);
const LIMIT = Number(process.env.BENCH_UNSTATED_LIMIT ?? 120);
const OUT = path.join(__dirname, '..', 'bench-results', 'unstated.json');

test(`Mumara: ${ROWS} creates, server limit ${LIMIT}/min, Requests per minute left empty`, async ({ page, sandbox }) => {
  test.skip(ROWS === 0, 'BENCH_UNSTATED_ROWS=0');
  await resetSandbox({ mumara: { rate_limit: LIMIT, rate_window_ms: 60_000 } });
  let file = 'name,email,password\n';
  for (let i = 1; i <= ROWS; i++) file += `User ${i},u${i}@example.com,pw${i}\n`;
  await openApp(page);
  await controls(page).chooseFile.setInputFiles(writeFixture('unstated.csv', file));
  await expect(controls(page).progress).toHaveAttribute('aria-valuemax', String(ROWS));
  await fillMumara(page, { serverUrl: sandbox.apiUrl, apiKey: 'sandbox-key', packageId: '1' });
  await page.getByLabel('Requests per minute').fill('');
  await expect(page.getByLabel('Requests per minute')).toHaveValue('');
  const t0 = Date.now();
  await clickStart(page);
  await waitForRunEnd(page, { overallMs: (ROWS / LIMIT) * 60_000 * 3 + 120_000, what: 'the unstated-limit run' });
  const seconds = (Date.now() - t0) / 1000;
  const state = await sandboxState();
  expect(state.mumara.users).toHaveLength(ROWS);
  const bound = (ROWS / LIMIT) * 60;
  const result = {
    name: `unstated limit ${LIMIT}/min (field empty)`,
    rows: ROWS,
    seconds,
    bound_seconds: bound,
    ratio_to_bound: seconds / bound,
    per_minute: (ROWS * 60) / seconds,
    limit_per_minute: LIMIT,
    rate_limited: state.mumara.rate_limited,
  };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify([result], null, 2));
  console.log(`[bench] ${JSON.stringify(result)}`);
});
