/**
 * End-to-end: the engine under faults, against the sandbox's Aurora and Mumara.
 * Each test checks the downloaded report against the sandbox's own state: every input
 * row exactly once, `created`/`exists` rows on the server (created ones with the id the
 * server gave), `failed`/`rejected`/`skipped` rows not on it.
 */
import type { Page } from '@playwright/test';
import { test, expect } from '../lib/fixtures';
import { configureSandbox, sandboxState } from '../lib/sandbox';
import { writeFixture } from '../lib/files';
import { cancelRun, controls, fillMumara, loadFile, openApp, readRows, startImport, statusWord } from '../lib/app';
import { auroraUsers as auroraIds, downloadReport, expectReportMatchesServer, mumaraUsers as mumaraIds } from '../lib/report';

function auroraFile(n: number, prefix = 'u'): string {
  return Array.from({ length: n }, (_, i) => `${prefix}${i + 1}@localhost | pw-${prefix}${i + 1}`).join('\n') + '\n';
}

function mumaraFile(n: number): string {
  const lines = Array.from({ length: n }, (_, i) => `User ${i + 1},m${i + 1}@example.com,pw-m${i + 1}`);
  return ['name,email,password', ...lines].join('\n') + '\n';
}

async function fillSettings(page: Page, opts: { parallel?: number; rate?: string; attempts?: number }) {
  if (opts.parallel !== undefined) await page.getByLabel('Parallel requests').fill(String(opts.parallel));
  if (opts.rate !== undefined) await page.getByLabel('Requests per minute').fill(opts.rate);
  if (opts.attempts !== undefined) await page.getByLabel('Attempts per row').fill(String(opts.attempts));
}

async function startAurora(page: Page, serverUrl: string, file: string) {
  await openApp(page);
  await loadFile(page, file);
  const c = controls(page);
  await c.target.selectOption({ label: 'Aurora' });
  await c.serverUrl.fill(serverUrl);
  await c.login.fill('superadmin');
  await c.password.fill('12345');
}

async function startMumara(page: Page, serverUrl: string, file: string, key: string) {
  await openApp(page);
  await loadFile(page, file);
  await fillMumara(page, { serverUrl, apiKey: key, packageId: '1' });
}

/** Waits for the live region's closing sentence ("Import finished" or "Import stopped"). */
async function waitForEnd(page: Page, words: 'Import finished' | 'Import stopped', timeout: number) {
  await expect(controls(page).statusRegion.filter({ hasText: words }).first()).toBeAttached({ timeout });
}

test.describe('engine under faults', () => {
  test('Aurora with drops, lost answers, 500s, Result:false and token expiry every 25 creates', async ({ page, sandbox }) => {
    test.setTimeout(120_000);
    const n = 60;
    await configureSandbox({
      aurora: {
        drop_every: 7,
        lost_answer_every: 9,
        http500_every: 11,
        result_false_every: 13,
        token_expires_after_creates: 25,
      },
    });
    const file = auroraFile(n);
    await startAurora(page, sandbox.auroraServerUrl, writeFixture('faults.txt', file));
    await fillSettings(page, { parallel: 4, attempts: 6 });
    await startImport(page);
    await waitForEnd(page, 'Import finished', 90_000);
    await expect(controls(page).progress).toHaveAttribute('aria-valuenow', String(n));

    const report = await downloadReport(page);
    const state = await sandboxState();
    const emails = file.trim().split('\n').map((l) => l.split(' | ')[0]);
    expectReportMatchesServer(report, emails, auroraIds(state));

    // With six attempts every row got through; the lost answers surface as "exists".
    const faults = state.aurora.faults_injected as Record<string, number>;
    expect(faults.drop + faults.lost_answer + faults.http500 + faults.result_false).toBeGreaterThan(5);
    expect(faults.token_expired).toBeGreaterThan(0);
    expect(report.filter((r) => r.status === 'created' || r.status === 'exists')).toHaveLength(n);
    expect(state.aurora.users).toHaveLength(n);
    // Nothing was on the server before: every "exists" is a create whose answer was lost.
    // (A lost answer can also hit a call that made nothing, e.g. one answered 101, so
    // there may be fewer "exists" than lost answers, never more.)
    const exists = report.filter((r) => r.status === 'exists');
    expect(exists.length).toBeGreaterThan(0);
    expect(exists.length).toBeLessThanOrEqual(faults.lost_answer);
    for (const r of exists) expect(r.message).toContain('most likely created');
    // The token expired at least once, so the page logged in again.
    expect(state.aurora.logins).toBeGreaterThanOrEqual(2);
    // Passwords reached the server intact.
    for (const u of state.aurora.users) expect(u.password).toBe(`pw-${u.public_id.split('@')[0]}`);
  });

  test('Mumara at 60/min with lost answers and 502s: paced, no double creates', async ({ page, sandbox }) => {
    test.setTimeout(150_000);
    const n = 24;
    await configureSandbox({ mumara: { rate_limit: 60, rate_window_ms: 60_000, lost_answer_every: 6, http502_every: 8 } });
    const file = mumaraFile(n);
    await startMumara(page, sandbox.apiUrl, writeFixture('mumara.csv', file), 'sandbox-key');
    // Choosing Mumara fills in its documented default rate.
    await expect(page.getByLabel('Requests per minute')).toHaveValue('60');
    await startImport(page);
    await waitForEnd(page, 'Import finished', 120_000);

    const report = await downloadReport(page);
    const state = await sandboxState();
    const emails = file.trim().split('\n').slice(1).map((l) => l.split(',')[1]);
    expectReportMatchesServer(report, emails, mumaraIds(state));
    expect(state.mumara.users).toHaveLength(n);
    expect(report.filter((r) => r.status === 'created' || r.status === 'exists')).toHaveLength(n);
    // Paced to the limit: at most one 429 along the way.
    expect(state.mumara.rate_limited).toBeLessThanOrEqual(1);
    const faults = state.mumara.faults_injected as Record<string, number>;
    expect(faults.lost_answer).toBeGreaterThan(0);
    expect(faults.http502).toBeGreaterThan(0);
    const exists = report.filter((r) => r.status === 'exists');
    expect(exists.length).toBeGreaterThan(0);
    expect(exists.length).toBeLessThanOrEqual(faults.lost_answer);
    for (const r of exists) expect(r.message).toContain('most likely created');
    // The page shows the pace it holds.
    await expect(page.getByText(/\(paced at \d+\/min\)/)).toBeVisible();
  });

  test('Aurora: rows left unknown are settled after the run by listing the accounts', async ({ page, sandbox }) => {
    test.setTimeout(90_000);
    const n = 12;
    // One attempt per row: a 500 after the insert, or a dropped connection before it,
    // leaves the row unknown until the listing after the run says which it was.
    await configureSandbox({ aurora: { http500_after_insert_every: 3, drop_every: 4 } });
    const file = auroraFile(n, 's');
    await startAurora(page, sandbox.auroraServerUrl, writeFixture('settle.txt', file));
    await fillSettings(page, { parallel: 1, attempts: 1 });
    await startImport(page);
    await waitForEnd(page, 'Import finished', 60_000);

    const report = await downloadReport(page);
    const state = await sandboxState();
    const emails = file.trim().split('\n').map((l) => l.split(' | ')[0]);
    expectReportMatchesServer(report, emails, auroraIds(state));
    expect(report.filter((r) => r.status === 'unknown')).toEqual([]);
    const found = report.filter((r) => r.message.includes('listing its accounts'));
    const absent = report.filter((r) => r.status === 'failed');
    expect(found.length, 'a 500 after the insert: found on the server').toBeGreaterThan(0);
    for (const r of found) expect(r.status).toBe('exists');
    expect(absent.length, 'a dropped create: proven absent').toBeGreaterThan(0);
    for (const r of absent) expect(r.message).toContain('Not on the server');
  });

  test('Mumara 401: the run stops after one request and the rest is skipped', async ({ page, sandbox }) => {
    const n = 8;
    await startMumara(page, sandbox.apiUrl, writeFixture('mumara.csv', mumaraFile(n)), 'not-a-key');
    await startImport(page);
    await waitForEnd(page, 'Import stopped', 30_000);
    await expect(page.getByRole('alert').filter({ hasText: 'HTTP 401' })).toBeVisible();
    const report = await downloadReport(page);
    expect(report.map((r) => r.status)).toEqual(['failed', ...Array(n - 1).fill('skipped')]);
    const state = await sandboxState();
    expect(state.mumara.users).toHaveLength(0);
    expect(state.mumara.add_calls).toBeLessThanOrEqual(1);
  });

  test('pause holds new requests, resume continues, cancel skips the rest', async ({ page, sandbox }) => {
    test.setTimeout(90_000);
    const n = 30;
    await configureSandbox({ aurora: { latency_ms: 250 } });
    const file = auroraFile(n, 'p');
    await startAurora(page, sandbox.auroraServerUrl, writeFixture('pause.txt', file));
    await fillSettings(page, { parallel: 2 });
    const c = controls(page);
    await startImport(page);
    await expect.poll(async () => (await sandboxState()).aurora.users.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(4);

    await c.pause.click();
    await expect(c.resume).toBeEnabled();
    // Requests already in flight finish; then nothing more is sent while paused.
    await page.waitForTimeout(800);
    const paused = (await sandboxState()).aurora.create_calls;
    await page.waitForTimeout(1_200);
    expect((await sandboxState()).aurora.create_calls).toBe(paused);
    expect(paused).toBeLessThan(n);

    await c.resume.click();
    await expect.poll(async () => (await sandboxState()).aurora.create_calls, { timeout: 20_000 }).toBeGreaterThan(paused + 3);
    await cancelRun(page);
    await waitForEnd(page, 'Import stopped', 20_000);
    await expect(page.getByRole('alert').filter({ hasText: 'Cancelled by the user' })).toBeVisible();

    const report = await downloadReport(page);
    const state = await sandboxState();
    const emails = file.trim().split('\n').map((l) => l.split(' | ')[0]);
    expectReportMatchesServer(report, emails, auroraIds(state));
    const created = report.filter((r) => r.status === 'created').length;
    const skipped = report.filter((r) => r.status === 'skipped').length;
    expect(created).toBe(state.aurora.users.length);
    expect(created + skipped).toBe(n);
    expect(skipped).toBeGreaterThan(0);
    expect(state.aurora.create_calls).toBe(created);

    // The table filters by state: only the rows the cancel left unsent ("not sent",
    // the report's skipped), then all of them again.
    await page.getByLabel('Show status').selectOption('not sent');
    const listed = await readRows(page);
    expect(listed.length).toBe(Math.min(skipped, 48));
    for (const r of listed) expect(statusWord(r.Status)).toBe('not sent');
    await page.getByLabel('Show status').selectOption('all');
    await expect.poll(async () => (await readRows(page)).length).toBeGreaterThan(listed.length);
  });
});
