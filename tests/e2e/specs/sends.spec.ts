/**
 * Issue 20, sends nobody asked for, as a new admin meets them with a mouse and with the
 * keyboard: Start while an interrupted run of the same file and server can be resumed
 * asks "Resume" or "Start over" (Resume focused, Enter takes it); a saved run says how to
 * resume it and offers Resume once its file is loaded; a double-click on Start does not
 * pause the run; after Check, Tab + Enter does not start an import, and Start waits while
 * a Check is going. Each address is counted by the sandbox (create_requests: CreateUser
 * POSTs per PublicId).
 */
import type { Dialog, Page } from '@playwright/test';
import { test, expect } from '../lib/fixtures';
import { configureSandbox, sandboxState } from '../lib/sandbox';
import { writeFixture } from '../lib/files';
import { controls, fillAurora, loadFile, openApp, startImport, waitForImportFinished } from '../lib/app';

function addresses(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i + 1}@localhost`);
}

// With a header line: the double-click below is on a Start that sends at once (a file
// without one asks about its guessed password column first, issue 21).
function file(prefix: string, n: number): string {
  return 'Mail | Kennwort\n' + addresses(prefix, n).map((a, i) => `${a} | Pw-sends-${i + 1}`).join('\n') + '\n';
}

async function fill(page: Page, serverUrl: string, path: string) {
  await loadFile(page, path);
  await fillAurora(page, { serverUrl, login: 'superadmin', password: '12345' });
  await page.getByLabel('Parallel requests').fill('2');
}

/** Every address was asked for exactly once, and is on the server. */
async function expectEachSentOnce(prefix: string, n: number) {
  const state = await sandboxState();
  const asked = addresses(prefix, n).map((a) => [a, state.aurora.create_requests[a] ?? 0]);
  expect(asked).toEqual(addresses(prefix, n).map((a) => [a, 1]));
  expect(state.aurora.users.map((u) => u.public_id).sort()).toEqual(addresses(prefix, n).sort());
}

/** Starts a run of `path`, reloads the tab half way through it, and opens the app again. */
async function interrupt(page: Page, serverUrl: string, path: string, n: number) {
  page.on('dialog', (d: Dialog) => d.accept());
  await openApp(page);
  await fill(page, serverUrl, path);
  await startImport(page);
  await expect
    .poll(async () => Number(await controls(page).progress.getAttribute('aria-valuenow')), { timeout: 30_000, intervals: [50] })
    .toBeGreaterThanOrEqual(n / 2);
  await page.reload();
  await expect(controls(page).start).toBeVisible({ timeout: 20_000 });
  expect((await sandboxState()).aurora.users.length).toBeLessThan(n);
}

test.describe('sends nobody asked for', () => {
  test('Start with a resumable run of the same file and server asks; Enter takes Resume; no created row is sent again', async ({
    page,
    sandbox,
  }) => {
    test.setTimeout(120_000);
    const n = 30;
    await configureSandbox({ aurora: { latency_ms: 120 } });
    const path = writeFixture('sends.txt', file('s', n));
    await interrupt(page, sandbox.auroraServerUrl, path, n);
    await fill(page, sandbox.auroraServerUrl, path);

    await startImport(page);
    const question = page.getByRole('group').filter({ hasText: 'did not finish' });
    await expect(question).toBeVisible();
    const resume = question.getByRole('button', { name: 'Resume', exact: true });
    await expect(question.getByRole('button', { name: 'Start over', exact: true })).toBeVisible();
    await expect(resume).toBeFocused();
    await page.keyboard.press('Enter');
    await waitForImportFinished(page, n);
    await expectEachSentOnce('s', n);
  });

  test('after a reload, a saved run says how to resume it and offers Resume once its file is loaded', async ({ page, sandbox }) => {
    test.setTimeout(120_000);
    const n = 30;
    await configureSandbox({ aurora: { latency_ms: 120 } });
    const path = writeFixture('saved.txt', file('v', n));
    await interrupt(page, sandbox.auroraServerUrl, path, n);

    const saved = page.getByRole('list', { name: 'Saved runs' });
    await expect(saved).toContainText('To resume it, choose or drop the same file (saved.txt) again');
    await expect(saved.getByRole('button', { name: 'Resume saved run of saved.txt' })).toHaveCount(0);
    await fill(page, sandbox.auroraServerUrl, path);
    const resume = saved.getByRole('button', { name: 'Resume saved run of saved.txt' });
    await expect(resume).toBeVisible();
    await resume.click();
    await waitForImportFinished(page, n);
    await expectEachSentOnce('v', n);
  });

  test('a double-click on Start leaves the run running and sends every row once', async ({ page, sandbox }) => {
    test.setTimeout(90_000);
    const n = 20;
    await configureSandbox({ aurora: { latency_ms: 100 } });
    await openApp(page);
    await fill(page, sandbox.auroraServerUrl, writeFixture('double.txt', file('d', n)));
    const c = controls(page);
    await c.start.dblclick();
    await expect(c.pause).toBeVisible();
    await page.waitForTimeout(500);
    await expect(c.statusRegion.filter({ hasText: 'paused' })).toHaveCount(0);
    await expect(c.resume).toHaveCount(0);
    await waitForImportFinished(page, n);
    await expectEachSentOnce('d', n);
  });

  test('Check keeps the focus, Start waits while it goes, and Tab + Enter after it starts no import', async ({ page, sandbox }) => {
    test.setTimeout(90_000);
    const n = 5;
    await openApp(page);
    await fill(page, sandbox.auroraServerUrl, writeFixture('check.txt', file('k', n)));
    await configureSandbox({ aurora: { latency_ms: 1_500 } });
    const c = controls(page);
    const check = page.getByRole('button', { name: 'Check', exact: true });
    await check.focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('list', { name: 'Check results' })).toContainText('Checking');
    await expect(c.start).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Dry run', exact: true })).toBeDisabled();
    await expect(check).toBeFocused();
    await expect(page.getByRole('list', { name: 'Check results' })).toContainText('Login OK', { timeout: 15_000 });
    await expect(check).toBeFocused();
    await expect(c.start).toBeEnabled();

    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(2_000);
    expect((await sandboxState()).aurora.create_calls).toBe(0);
    await expect(c.statusRegion.filter({ hasText: 'Import started' })).toHaveCount(0);

    // The Dry run is computed at once; Tab + Enter after it starts no import either.
    const dry = page.getByRole('button', { name: 'Dry run', exact: true });
    await dry.focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('region', { name: 'Dry run preview' })).toBeVisible();
    await expect(dry).toBeFocused();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(1_000);
    expect((await sandboxState()).aurora.create_calls).toBe(0);
    await expect(c.statusRegion.filter({ hasText: 'Import started' })).toHaveCount(0);
  });
});
