/**
 * End-to-end (issue 12, "In the page"): a profile of one's own as a target.
 *
 * The admin downloads the GitLab preset from the page, adapts it (an id and name of
 * its own), and loads it through "Load a profile…" with the keyboard-reachable file
 * picker. The profile is listed and chosen, says what it calls and what it needs, runs an
 * import against the sandbox's GitLab shape, is still listed after a reload (profiles
 * hold no secret and are remembered by id), and is gone once forgotten. A broken profile
 * is refused with its line and key, and a profile that takes a shipped id is refused.
 * Each state is checked with axe-core, at 1280 and 390 px, light and dark, and
 * screenshotted into the test's output folder.
 */
import * as fs from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect } from '../lib/fixtures';
import { sandboxState } from '../lib/sandbox';
import { writeFixture } from '../lib/files';
import { controls, loadFile, openApp, waitForFileRead } from '../lib/app';
import { expectAccessible, useAxe } from '../lib/a11y';
import { clickStart, waitForRunEnd } from '../lib/watchdog';
import { downloadReport } from '../lib/report';

const GITLAB_TOKEN = 'glpat-sandbox-admin';
const LOAD = 'Load a profile…';

interface GitlabUser {
  username: string;
  email: string;
  name: string;
  password: string;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: true });
}

/** Chooses the preset and downloads it with the page's "Download profile" button. */
async function downloadPreset(page: Page, label: string): Promise<Record<string, unknown>> {
  await controls(page).target.selectOption({ label });
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download profile' }).click(),
  ]);
  const file = await download.path();
  return JSON.parse(fs.readFileSync(file!, 'utf8'));
}

/** Opens the loader from the Target select and picks `file` with "Choose profile file". */
async function loadProfile(page: Page, file: string): Promise<void> {
  await controls(page).target.selectOption({ label: LOAD });
  const zone = page.getByRole('region', { name: 'Profile drop zone' });
  await expect(zone).toBeVisible();
  await page.getByLabel('Choose profile file').setInputFiles(file);
}

const VIEWS = [
  { width: 1280, height: 900 },
  { width: 390, height: 844 },
] as const;

test.describe('profiles of ones own', () => {
  test('an adapted GitLab preset, loaded from a file, imports, is remembered and forgotten', async ({ page, sandbox }) => {
    await openApp(page);
    const preset = await downloadPreset(page, 'GitLab');
    expect(preset.id).toBe('gitlab');
    expect(JSON.stringify(preset), 'a profile holds no secret').not.toContain(GITLAB_TOKEN);

    const mine = { ...preset, id: 'gitlab-staff', name: 'GitLab (staff)' };
    await loadProfile(page, writeFixture('gitlab-staff.json', JSON.stringify(mine, null, 2)));
    const c = controls(page);
    await expect(c.target.locator('option:checked')).toHaveText('GitLab (staff)');
    await expect(page.getByText('Needs:')).toBeVisible();
    await expect(page.getByRole('region', { name: 'Profile drop zone' })).toBeHidden();

    const rows = ['pa', 'pb', 'pc'].map((u) => ({
      username: u,
      email: `${u}@example.com`,
      password: `Pw-${u}-long-enough`,
      name: `Staff ${u.toUpperCase()}`,
    }));
    const csv = ['username,email,password,name', ...rows.map((r) => `${r.username},${r.email},${r.password},${r.name}`)].join('\n') + '\n';
    await loadFile(page, writeFixture('gitlab-staff.csv', csv));
    await waitForFileRead(page);
    await page.getByLabel('Server URL').fill(sandbox.apiUrl);
    await page.getByLabel('Access token', { exact: true }).fill(GITLAB_TOKEN);
    await page.getByLabel('Access token', { exact: true }).press('Tab');
    await expect(c.rowsTable.getByText('invalid', { exact: true })).toHaveCount(0);
    await clickStart(page);
    await waitForRunEnd(page, { overallMs: 60_000, what: 'the run with the loaded profile' });
    const report = await downloadReport(page);
    expect(report.map((r) => r.status)).toEqual(['created', 'created', 'created']);
    const state = (await sandboxState()) as unknown as { gitlab: { users: GitlabUser[] } };
    for (const r of rows) {
      const u = state.gitlab.users.find((x) => x.username === r.username);
      expect(u, `${r.username} created through the loaded profile`).toBeTruthy();
      expect(u!.email).toBe(r.email);
      expect(u!.name).toBe(r.name);
    }

    // Remembered by id after a reload; no secret was stored with it.
    await page.reload();
    await expect(c.start).toBeVisible({ timeout: 20_000 });
    await expect(c.target.locator('option', { hasText: 'GitLab (staff)' })).toHaveCount(1);
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }));
    expect(stored).toContain('gitlab-staff');
    expect(stored).not.toContain(GITLAB_TOKEN);

    await c.target.selectOption({ label: 'GitLab (staff)' });
    await page.getByRole('button', { name: 'Forget this profile' }).click();
    await expect(c.target.locator('option', { hasText: 'GitLab (staff)' })).toHaveCount(0);
    await page.reload();
    await expect(c.start).toBeVisible({ timeout: 20_000 });
    await expect(c.target.locator('option', { hasText: 'GitLab (staff)' })).toHaveCount(0);
  });

  test('a profile asking for a credential of its own shows it, masked, and sends it where it says', async ({ page, sandbox }) => {
    await openApp(page);
    const preset = await downloadPreset(page, 'GitLab');
    // The same API, with the token as a credential the profile names itself.
    const mine = {
      ...preset,
      id: 'gitlab-pat',
      name: 'GitLab (own credential)',
      credentials: [{ id: 'gitlab_pat', label: 'GitLab PAT', secret: true }],
      auth: { header: 'PRIVATE-TOKEN', value: '{credentials.gitlab_pat}' },
    };
    await loadProfile(page, writeFixture('gitlab-pat.json', JSON.stringify(mine, null, 2)));
    const c = controls(page);
    await expect(c.target.locator('option:checked')).toHaveText('GitLab (own credential)');
    const pat = page.getByLabel('GitLab PAT', { exact: true });
    await expect(pat).toBeVisible();
    await expect(pat).toHaveAttribute('type', 'password');
    await expect(page.getByLabel('Access token', { exact: true })).toHaveCount(0);

    const rows = ['qa', 'qb'].map((u) => ({
      username: u,
      email: `${u}@example.com`,
      password: `Pw-${u}-long-enough`,
      name: `Own ${u.toUpperCase()}`,
    }));
    const csv = ['username,email,password,name', ...rows.map((r) => `${r.username},${r.email},${r.password},${r.name}`)].join('\n') + '\n';
    await loadFile(page, writeFixture('gitlab-pat.csv', csv));
    await waitForFileRead(page);
    await page.getByLabel('Server URL').fill(sandbox.apiUrl);
    // Start says what is missing, by the profile's label.
    await expect(c.start).toBeDisabled();
    await expect(c.start).toHaveAccessibleDescription('Enter the GitLab PAT.');
    await pat.fill(GITLAB_TOKEN);
    await pat.press('Tab');
    await clickStart(page);
    await waitForRunEnd(page, { overallMs: 60_000, what: 'the run with a profile of its own credential' });
    const report = await downloadReport(page);
    expect(report.map((r) => r.status)).toEqual(['created', 'created']);
    expect(JSON.stringify(report)).not.toContain(GITLAB_TOKEN);
    // The sandbox's GitLab creates a user only for its admin token in PRIVATE-TOKEN (or a
    // Bearer): the users are there, so it got the credential where the profile put it.
    const state = (await sandboxState()) as unknown as { gitlab: { users: GitlabUser[] } };
    for (const r of rows) {
      expect(state.gitlab.users.find((x) => x.username === r.username), r.username).toBeTruthy();
    }
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }));
    expect(stored).toContain('gitlab_pat');
    expect(stored).not.toContain(GITLAB_TOKEN);
  });

  test('a broken profile is refused by line and key; a shipped id is refused', async ({ page }) => {
    await openApp(page);
    const preset = await downloadPreset(page, 'Keycloak');
    const text = JSON.stringify({ ...preset, id: 'kc-typo' }, null, 2).replace('"method": "POST"', '"method": "PSOT"');
    const line = text.split('\n').findIndex((l) => l.includes('PSOT')) + 1;
    await loadProfile(page, writeFixture('broken.json', text));
    const alert = page.getByRole('alert').filter({ hasText: 'broken.json cannot be used' });
    await expect(alert).toBeVisible();
    await expect(alert).toContainText(`line ${line}`);
    await expect(alert).toContainText('method');
    await expect(controls(page).target.locator('option', { hasText: 'kc-typo' })).toHaveCount(0);

    await page.getByLabel('Choose profile file').setInputFiles(writeFixture('taken.json', JSON.stringify(preset)));
    await expect(page.getByRole('alert').filter({ hasText: 'of a target Roster ships' })).toBeVisible();
    await page.getByRole('button', { name: 'Cancel loading' }).click();
    await expect(page.getByRole('region', { name: 'Profile drop zone' })).toBeHidden();
  });

  for (const scheme of ['light', 'dark'] as const) {
    for (const view of VIEWS) {
      test(`${view.width} px, ${scheme}: a preset's form, the loader and its error pass axe`, async ({ page }) => {
        await page.setViewportSize(view);
        await page.emulateMedia({ colorScheme: scheme });
        await useAxe(page);
        await openApp(page);
        const name = `${view.width}-${scheme}`;
        await controls(page).target.selectOption({ label: 'Matrix Synapse' });
        await expect(page.getByLabel('Access token', { exact: true })).toBeVisible();
        await expect(page.getByLabel('Server name')).toBeVisible();
        await expectAccessible(page, 'Synapse preset chosen', view.width);
        await shot(page, `synapse-${name}`);

        await controls(page).target.selectOption({ label: LOAD });
        await expect(page.getByRole('region', { name: 'Profile drop zone' })).toBeVisible();
        await page.getByLabel('Choose profile file').setInputFiles(writeFixture('not-json.json', '{ "schema": 1,\n  "id": \n}'));
        await expect(page.getByRole('alert').filter({ hasText: 'cannot be used' })).toBeVisible();
        await expectAccessible(page, 'profile loader with an error', view.width);
        await shot(page, `loader-${name}`);
      });
    }
  }
});
