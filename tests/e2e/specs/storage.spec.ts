/**
 * Issue 20, storage that never fails silently: the browser's real localStorage filled to
 * its quota before Start (nothing is sent; the reason is named; Try again or Start without
 * resume) and mid-run (the run pauses before any create it could not record; Resume after
 * freeing space, or Go on without resume). A stopped run stays resumable; a stale journal
 * page is refused with the reason; a Server URL's `user:pass@` never reaches storage.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect } from '../lib/fixtures';
import { configureSandbox, sandboxState } from '../lib/sandbox';
import { writeFixture } from '../lib/files';
import { controls, loadFile, openApp, startImport, waitForImportFinished } from '../lib/app';
import { dumpBrowserStorage } from '../lib/browser-storage';
import { expectAccessible, useAxe } from '../lib/a11y';

function file(n: number, tag: string): string {
  return Array.from({ length: n }, (_, i) => `${tag}${i + 1}@localhost | Pw-${tag}-${i + 1}`).join('\n') + '\n';
}

async function fill(page: Page, serverUrl: string, path: string, parallel = '2') {
  await loadFile(page, path);
  const c = controls(page);
  await c.target.selectOption({ label: 'Aurora' });
  await c.serverUrl.fill(serverUrl);
  await c.login.fill('superadmin');
  await c.password.fill('12345');
  await page.getByLabel('Parallel requests').fill(parallel);
}

/**
 * Fills the page's localStorage with large strings until it throws, then with ever
 * smaller ones until not even one more character fits. Returns the browser's error name.
 */
async function fillStorage(page: Page): Promise<string> {
  return page.evaluate(() => {
    let size = 1 << 20;
    let i = 0;
    let name = '';
    while (size >= 1) {
      try {
        localStorage.setItem(`filler.${i}`, 'x'.repeat(size));
        i++;
      } catch (e) {
        name = (e as DOMException).name;
        size = Math.floor(size / 2);
      }
    }
    return name;
  });
}

async function freeStorage(page: Page) {
  await page.evaluate(() => {
    for (const k of Object.keys(localStorage)) if (k.startsWith('filler.')) localStorage.removeItem(k);
  });
}

async function journalKeys(page: Page): Promise<string[]> {
  return page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('roster.journal.v1.')));
}

test.describe('storage that never fails silently', () => {
  test('storage full before Start: nothing is sent and the reason is named; Try again after freeing space', async ({ page, sandbox }) => {
    const n = 10;
    await useAxe(page);
    await openApp(page);
    await fill(page, sandbox.auroraServerUrl, writeFixture('full.txt', file(n, 'full')));
    expect(await fillStorage(page)).toBe('QuotaExceededError');

    await startImport(page);
    const refusal = page.getByRole('alert').filter({ hasText: 'Not started' });
    await expect(refusal).toContainText('QuotaExceededError');
    await expect(refusal).toContainText('No row was sent');
    await expect(page.getByRole('button', { name: 'Start without resume' })).toBeFocused();
    await expectAccessible(page, 'start refused: storage full', 1280);
    // Nothing reached the server: no login, no create.
    await page.waitForTimeout(1_000);
    let state = await sandboxState();
    expect(state.aurora.logins).toBe(0);
    expect(state.aurora.create_calls).toBe(0);
    await expect(controls(page).start).toBeEnabled();

    // Still full: refused again.
    await page.getByRole('button', { name: 'Try again' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'Not started' })).toContainText('QuotaExceededError');
    await page.waitForTimeout(500);
    expect((await sandboxState()).aurora.logins).toBe(0);

    // Space freed: the same run starts, with its journal.
    await freeStorage(page);
    await page.getByRole('button', { name: 'Try again' }).click();
    await waitForImportFinished(page, n);
    state = await sandboxState();
    expect(state.aurora.users).toHaveLength(n);
    expect(await journalKeys(page)).not.toEqual([]);
    await expect(page.getByRole('alert').filter({ hasText: 'Not started' })).toHaveCount(0);
  });

  test('storage full before Start: Start without resume sends every row once and keeps no journal', async ({ page, sandbox }) => {
    const n = 8;
    await openApp(page);
    await fill(page, sandbox.auroraServerUrl, writeFixture('without.txt', file(n, 'wo')));
    await fillStorage(page);
    await startImport(page);
    const without = page.getByRole('button', { name: 'Start without resume' });
    await expect(without).toBeVisible();
    // The consequence is stated next to the choice.
    await expect(page.getByRole('alert').filter({ hasText: 'Not started' })).toContainText('cannot tell which rows were sent');
    expect((await sandboxState()).aurora.create_calls).toBe(0);
    await without.click();
    await waitForImportFinished(page, n);
    const state = await sandboxState();
    expect(state.aurora.users.map((u) => u.public_id).sort()).toEqual(Array.from({ length: n }, (_, i) => `wo${i + 1}@localhost`).sort());
    expect(state.aurora.create_calls).toBe(n);
    expect(await journalKeys(page)).toEqual([]);
  });

  test('storage full mid-run: the run pauses with the reason and sends nothing more; Resume after freeing space ends with every row once', async ({ page, sandbox }) => {
    test.setTimeout(120_000);
    const n = 40;
    await configureSandbox({ aurora: { latency_ms: 150 } });
    await useAxe(page);
    await openApp(page);
    await fill(page, sandbox.auroraServerUrl, writeFixture('mid.txt', file(n, 'mid')));
    await startImport(page);
    await expect
      .poll(async () => (await sandboxState()).aurora.users.length, { timeout: 20_000, intervals: [50] })
      .toBeGreaterThanOrEqual(5);
    await fillStorage(page);

    const hold = page.getByRole('alert').filter({ hasText: 'could not be written' });
    await expect(hold).toContainText('QuotaExceededError', { timeout: 10_000 });
    await expect(controls(page).resume).toBeVisible();
    await expect(page.getByRole('button', { name: 'Go on without resume' })).toBeVisible();
    await expectAccessible(page, 'paused: storage full', 1280);
    // Paused: the requests in flight finish, nothing new goes out.
    await page.waitForTimeout(1_000);
    const atPause = (await sandboxState()).aurora.create_calls;
    await page.waitForTimeout(1_500);
    expect((await sandboxState()).aurora.create_calls).toBe(atPause);
    expect(atPause).toBeLessThan(n);

    // Space freed, Resume: every row ends created, none was asked for twice.
    await freeStorage(page);
    await controls(page).resume.click();
    await waitForImportFinished(page, n);
    const state = await sandboxState();
    const ids = state.aurora.users.map((u) => u.public_id);
    expect(new Set(ids).size).toBe(n);
    expect(state.aurora.create_calls).toBe(n);
    // The journal was written again once it could be.
    expect(await journalKeys(page)).not.toEqual([]);
  });

  test('storage full mid-run: Go on without resume finishes the run and drops the journal', async ({ page, sandbox }) => {
    test.setTimeout(120_000);
    const n = 30;
    await configureSandbox({ aurora: { latency_ms: 150 } });
    await openApp(page);
    await fill(page, sandbox.auroraServerUrl, writeFixture('goon.txt', file(n, 'goon')));
    await startImport(page);
    await expect
      .poll(async () => (await sandboxState()).aurora.users.length, { timeout: 20_000, intervals: [50] })
      .toBeGreaterThanOrEqual(5);
    await fillStorage(page);
    const goOn = page.getByRole('button', { name: 'Go on without resume' });
    await expect(goOn).toBeVisible({ timeout: 10_000 });
    await goOn.click();
    await waitForImportFinished(page, n);
    const state = await sandboxState();
    expect(new Set(state.aurora.users.map((u) => u.public_id)).size).toBe(n);
    expect(state.aurora.create_calls).toBe(n);
    expect(await journalKeys(page)).toEqual([]);
  });

  test('a run that stopped (licence limit) stays resumable after a reload', async ({ page, sandbox }) => {
    test.setTimeout(120_000);
    const n = 12;
    await configureSandbox({ aurora: { license_limit: 5 } });
    const path = writeFixture('stopped.txt', file(n, 'st'));
    page.on('dialog', (d) => d.accept());
    await openApp(page);
    // One request at a time: exactly one create meets the limit.
    await fill(page, sandbox.auroraServerUrl, path, '1');
    await startImport(page);
    await expect(controls(page).statusRegion.filter({ hasText: 'Import stopped' }).first()).toBeAttached({ timeout: 20_000 });
    expect((await sandboxState()).aurora.users).toHaveLength(5);

    await page.reload();
    await expect(controls(page).start).toBeVisible({ timeout: 20_000 });
    await configureSandbox({ aurora: { license_limit: null } });
    await fill(page, sandbox.auroraServerUrl, path);
    const resume = page.getByRole('button', { name: 'Resume previous run' });
    await expect(resume).toBeVisible();
    await resume.click();
    await waitForImportFinished(page, n);
    const state = await sandboxState();
    const ids = state.aurora.users.map((u) => u.public_id);
    expect(new Set(ids).size).toBe(n);
    // The five created before the stop were carried over, not sent again.
    expect(state.aurora.create_calls).toBe(n + 1);
  });

  test('a stale journal page is refused with the reason, never resumed', async ({ page, sandbox }) => {
    test.setTimeout(120_000);
    const n = 40;
    await configureSandbox({ aurora: { latency_ms: 120 } });
    const path = writeFixture('stale.txt', file(n, 'stale'));
    page.on('dialog', (d) => d.accept());
    await openApp(page);
    await fill(page, sandbox.auroraServerUrl, path);
    await startImport(page);
    const pageKey = async () => (await journalKeys(page)).find((k) => k.endsWith('.page.0'));
    await expect.poll(async () => (await sandboxState()).aurora.users.length, { timeout: 20_000, intervals: [50] }).toBeGreaterThanOrEqual(3);
    await expect.poll(pageKey).toBeTruthy();
    const key = (await pageKey())!;
    const early = await page.evaluate((k) => localStorage.getItem(k)!, key);
    await expect
      .poll(async () => (await sandboxState()).aurora.users.length, { timeout: 20_000, intervals: [50] })
      .toBeGreaterThanOrEqual(n / 2);
    await page.reload();
    await expect(controls(page).start).toBeVisible({ timeout: 20_000 });
    // The page as an earlier write left it (a later write of it was lost): same length,
    // older statuses.
    const later = await page.evaluate((k) => localStorage.getItem(k)!, key);
    expect(later).not.toBe(early);
    await page.evaluate(([k, v]) => localStorage.setItem(k, v), [key, early]);

    await fill(page, sandbox.auroraServerUrl, path);
    const offer = page.getByRole('region', { name: 'Previous run' });
    await expect(offer).toContainText('cannot be resumed');
    await expect(offer).toContainText('older than the rest');
    await expect(page.getByRole('button', { name: 'Resume previous run' })).toHaveCount(0);
  });

  test('a Server URL with user:pass@ is refused before Start and never reaches browser storage', async ({ page, sandbox }) => {
    test.setTimeout(60_000);
    const url = sandbox.auroraServerUrl.replace('http://', 'http://user:secret-in-url@');
    await openApp(page);
    await fill(page, url, writeFixture('creds.txt', file(3, 'cr')));
    // The browser refuses to fetch such a URL, and its error names the whole URL, password
    // included: Roster refuses it first, without echoing it.
    const start = controls(page).start;
    await expect(start).toBeDisabled();
    await expect(start).toHaveAccessibleDescription(/Server URL holds a user name or password/);
    const reason = await start.evaluate((el) => document.getElementById(el.getAttribute('aria-describedby') ?? '')?.textContent ?? '');
    expect(reason).not.toContain('secret-in-url');
    // Check refuses it the same way; nothing reaches the server.
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'holds a user name or password' }).first()).toBeVisible();
    const state = await sandboxState();
    expect(state.aurora.login_calls).toBe(0);
    expect(state.aurora.create_calls).toBe(0);
    const stored = await dumpBrowserStorage(page);
    expect(stored).not.toContain('secret-in-url');
    expect(stored).not.toContain('user:');
    expect(await journalKeys(page)).toEqual([]);
  });

  test('a loaded profile that storage cannot keep is used, and the page says it is not remembered', async ({ page }) => {
    const preset = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../crates/core/profiles/gitlab.json'), 'utf8'));
    const mine = { ...preset, id: 'gitlab-full', name: 'GitLab (full storage)' };
    await openApp(page);
    await fillStorage(page);
    await controls(page).target.selectOption({ label: 'Load a profile…' });
    await page.getByLabel('Choose profile file').setInputFiles(writeFixture('gitlab-full.json', JSON.stringify(mine)));
    await expect(controls(page).target.locator('option:checked')).toHaveText('GitLab (full storage)');
    const said = controls(page).statusRegion.filter({ hasText: 'not remembered in this browser' });
    await expect(said).toContainText('QuotaExceededError');
  });
});
