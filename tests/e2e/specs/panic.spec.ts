/**
 * Issue 20, "Install a panic hook": a real panic in the release wasm, in the middle of a
 * run. Nothing in the app panics on purpose, so the test asks for one through the page's
 * test-only export `roster_e2e_panic_on_purpose` (Trunk's `window.wasmBindings`), which
 * takes an exact phrase and makes the run's loop panic at its next step (`src/stopped.rs`).
 * The page shows the hook's alert (role=alert, so it is announced) instead of freezing
 * silently; the run's journal is in localStorage; after a reload the run is offered for
 * Resume, and resuming ends every row in one final status with no address created twice.
 */
import * as fs from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect } from '../lib/fixtures';
import { configureSandbox, sandboxState } from '../lib/sandbox';
import { writeFixture } from '../lib/files';
import { parseCsv } from '../lib/csv';
import { controls, loadFile, openApp, startImport, waitForImportFinished } from '../lib/app';
import { dumpBrowserStorage } from '../lib/browser-storage';

const N = 40;
const STOPPED =
  'Roster stopped on an internal error. The journal of this run is saved: reload the page and choose Resume.';
/** `roster::stopped::PANIC_PHRASE`. */
const PHRASE = 'stop this run with a panic to test the panic hook';

function file(): string {
  return Array.from({ length: N }, (_, i) => `p${i + 1}@localhost | Pw-panic-${i + 1}`).join('\n') + '\n';
}

async function fill(page: Page, serverUrl: string, path: string) {
  await loadFile(page, path);
  const c = controls(page);
  await c.target.selectOption({ label: 'Aurora' });
  await c.serverUrl.fill(serverUrl);
  await c.login.fill('superadmin');
  await c.password.fill('12345');
  await page.getByLabel('Parallel requests').fill('4');
}

test('a panic mid-run: the alert says so, the journal is saved, a reload resumes with no address created twice', async ({ page, sandbox }) => {
  test.setTimeout(120_000);
  // Slow answers: several creates are in flight when the panic comes.
  await configureSandbox({ aurora: { latency_ms: 400 } });
  const path = writeFixture('panic.txt', file());
  page.on('dialog', (d) => d.accept());
  await openApp(page);
  const alert = page.locator('#roster-stopped');
  await expect(alert).toBeHidden();

  await fill(page, sandbox.auroraServerUrl, path);
  await startImport(page);
  await expect
    .poll(async () => Number(await controls(page).progress.getAttribute('aria-valuenow')), { timeout: 30_000, intervals: [50] })
    .toBeGreaterThanOrEqual(N / 4);

  // A wrong phrase asks for nothing.
  const asked = await page.evaluate(
    (phrase) => (window as unknown as { wasmBindings: { roster_e2e_panic_on_purpose(p: string): boolean } }).wasmBindings.roster_e2e_panic_on_purpose(phrase),
    'panic',
  );
  expect(asked).toBe(false);
  await page.waitForTimeout(300);
  await expect(alert).toBeHidden();

  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  expect(
    await page.evaluate(
      (phrase) => (window as unknown as { wasmBindings: { roster_e2e_panic_on_purpose(p: string): boolean } }).wasmBindings.roster_e2e_panic_on_purpose(phrase),
      PHRASE,
    ),
  ).toBe(true);

  // The hook's alert, announced (role=alert), with its one sentence and nothing else.
  const shown = page.getByRole('alert').filter({ hasText: 'Roster stopped on an internal error' });
  await expect(shown).toBeVisible({ timeout: 10_000 });
  await expect(shown).toHaveText(STOPPED);
  await expect(alert).toHaveAttribute('role', 'alert');
  // The wasm really trapped (a release build aborts on panic).
  await expect.poll(() => pageErrors.join('\n')).toMatch(/unreachable/i);

  // The run stopped with the app: once the requests that were out are answered, nothing more is created.
  await page.waitForTimeout(1_500);
  const atPanic = (await sandboxState()).aurora.users.length;
  await page.waitForTimeout(1_500);
  expect((await sandboxState()).aurora.users.length).toBe(atPanic);
  expect(atPanic).toBeLessThan(N);

  // The journal of the run in flight is in localStorage: its head, its pages, and the
  // rows it records as sent. No secret, no address.
  const journal = await page.evaluate(() => {
    const out: Record<string, string> = {};
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i)!;
      if (k.startsWith('roster.journal.v1.')) out[k] = localStorage.getItem(k)!;
    }
    return out;
  });
  const headKey = Object.keys(journal).find((k) => !k.endsWith('.sending') && !k.includes('.page.'));
  expect(headKey, `journal keys: ${Object.keys(journal).join(', ')}`).toBeTruthy();
  const head = JSON.parse(journal[headKey!]);
  let statuses = '';
  for (let n = 0; n < head.pages; n++) statuses += JSON.parse(journal[`${headKey}.page.${n}`]).statuses;
  expect(statuses.length).toBe(N);
  const sendingList = journal[`${headKey}.sending`] ?? '';
  const recorded = [...statuses].filter((s) => s !== 'p').length + (sendingList.includes(':') ? sendingList.split(':')[1].split(',').filter(Boolean).length : 0);
  expect(recorded, 'rows the journal records as sent or finished').toBeGreaterThan(0);
  const stored = await dumpBrowserStorage(page);
  for (const s of ['Pw-panic-', '12345', 'superadmin', 'p1@localhost']) expect(stored).not.toContain(s);

  // Reload: the run is offered for Resume, and resumes to the end.
  await page.reload();
  await expect(controls(page).start).toBeVisible({ timeout: 20_000 });
  await expect(page.locator('#roster-stopped')).toBeHidden();
  await fill(page, sandbox.auroraServerUrl, path);
  const resume = page.getByRole('button', { name: 'Resume previous run' });
  await expect(resume).toBeVisible();
  await configureSandbox({ aurora: { latency_ms: 0 } });
  await resume.click();
  await waitForImportFinished(page, N);

  const [download] = await Promise.all([page.waitForEvent('download'), controls(page).downloadReport.click()]);
  const records = parseCsv(fs.readFileSync(await download.path(), 'utf8')).slice(1);
  expect(records.map((r) => r[1])).toEqual(Array.from({ length: N }, (_, i) => `p${i + 1}@localhost`));
  for (const r of records) expect(['created', 'exists'], `row ${r[0]}: ${r[2]} ${r[3]}`).toContain(r[2]);

  // No address created twice: one CreateUser per address, counted by the sandbox.
  const state = await sandboxState();
  const ids = state.aurora.users.map((u) => u.public_id);
  expect(ids.sort()).toEqual(Array.from({ length: N }, (_, i) => `p${i + 1}@localhost`).sort());
  const requests = state.aurora.create_requests;
  expect(Object.keys(requests).sort()).toEqual(Array.from({ length: N }, (_, i) => `p${i + 1}@localhost`).sort());
  const twice = Object.entries(requests).filter(([, k]) => k !== 1);
  expect(twice, 'addresses sent more than once').toEqual([]);
});
