/**
 * Issue 20, the smaller holes, end to end:
 *  - a download's object URL outlives the click (revoking it at once cancels the download
 *    in some browsers), and the report it carries is right;
 *  - a failed login says so in one sentence, and its report downloads with every row
 *    `skipped`;
 *  - a token endpoint that closes the connection without answering is diagnosed as such,
 *    not as a CORS problem, while a token endpoint that answers but not to this origin is
 *    still called blocked by the browser.
 */
import * as fs from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect } from '../lib/fixtures';
import { configureSandbox, sandboxState } from '../lib/sandbox';
import { writeFixture } from '../lib/files';
import { parseCsv } from '../lib/csv';
import {
  controls,
  fillAurora,
  loadFile,
  openApp,
  startImport,
  waitForFileRead,
  waitForImportFinished,
} from '../lib/app';

const ADMIN = { login: 'superadmin', password: '12345' };

interface Download {
  href: string;
  clickedAt: number;
  revokedAt: number | null;
  /** Revoked before the task that clicked the link ended. */
  revokedWithClick: boolean;
}

/** Records every link click and every `URL.revokeObjectURL`, with their times. */
async function watchObjectUrls(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __downloads: Download[]; __clicking: Download | null };
    w.__downloads = [];
    w.__clicking = null;
    const click = HTMLAnchorElement.prototype.click;
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
      const entry: Download = { href: this.href, clickedAt: performance.now(), revokedAt: null, revokedWithClick: false };
      w.__downloads.push(entry);
      w.__clicking = entry;
      // A revocation before this task ends is synchronous with the click.
      setTimeout(() => {
        if (w.__clicking === entry) w.__clicking = null;
      }, 0);
      return click.call(this);
    };
    const revoke = URL.revokeObjectURL.bind(URL);
    URL.revokeObjectURL = (url: string) => {
      for (const d of w.__downloads) {
        if (d.href === url && d.revokedAt === null) {
          d.revokedAt = performance.now();
          d.revokedWithClick = w.__clicking === d;
        }
      }
      revoke(url);
    };
  });
}

async function downloads(page: Page): Promise<Download[]> {
  return page.evaluate(() => (window as unknown as { __downloads: Download[] }).__downloads);
}

test.describe('issue 20: downloads', () => {
  test('Download report: the object URL is not revoked with the click, and the file is the report', async ({ page, sandbox }) => {
    await watchObjectUrls(page);
    await openApp(page);
    await loadFile(page, writeFixture('dl.txt', 'dl1@localhost | Pw-dl-1\ndl2@localhost | Pw-dl-2\n'));
    await fillAurora(page, { serverUrl: sandbox.auroraServerUrl, ...ADMIN });
    await startImport(page);
    await waitForImportFinished(page, 2);

    const [download] = await Promise.all([page.waitForEvent('download'), controls(page).downloadReport.click()]);
    const text = fs.readFileSync(await download.path(), 'utf8');
    const records = parseCsv(text);
    expect(records.slice(1).map((r) => [r[1], r[2]])).toEqual([
      ['dl1@localhost', 'created'],
      ['dl2@localhost', 'created'],
    ]);

    await page.waitForTimeout(1_500);
    const seen = (await downloads(page)).filter((d) => d.href.startsWith('blob:'));
    expect(seen).toHaveLength(1);
    expect(seen[0].revokedWithClick, 'revoked in the same task as the click').toBe(false);
    expect(seen[0].revokedAt, 'revoked within 1.5 s of the click').toBeNull();
  });
});

test.describe('issue 20: a failed login', () => {
  test('wrong Aurora password: one sentence says so, and the report downloads with every row skipped', async ({ page, sandbox }) => {
    const emails = ['lf1@localhost', 'lf2@localhost', 'lf3@localhost'];
    await openApp(page);
    await loadFile(page, writeFixture('lf.txt', emails.map((e, i) => `${e} | Pw-lf-${i + 1}`).join('\n') + '\n'));
    await fillAurora(page, { serverUrl: sandbox.auroraServerUrl, login: ADMIN.login, password: 'wrong-password' });
    const c = controls(page);
    await startImport(page);
    const said = c.statusRegion.filter({ hasText: 'Import not started' });
    await expect(said).toHaveCount(1, { timeout: 20_000 });
    // Nothing else on the page says how many rows were (not) sent: no "No rows to send",
    // no "excluded or done in an earlier run" (both were shown next to "No row was sent").
    const body = page.locator('body');
    await expect(body).not.toContainText('No rows to send');
    await expect(body).not.toContainText('excluded or done in an earlier run');
    await expect(c.downloadReport).toBeEnabled();
    await expect(said).toHaveText(
      'Import not started: the login failed, so no row was sent (the report lists every row as skipped).',
    );
    await expect(page.getByText(/no rows? (was|were|to) sen[dt]/i)).toHaveCount(1);
    // The cause stays next to the password.
    await expect(page.getByRole('alert').filter({ hasText: 'wrong login or password' })).toHaveCount(1);

    await expect(c.downloadReport).toBeEnabled();
    const [download] = await Promise.all([page.waitForEvent('download'), c.downloadReport.click()]);
    const records = parseCsv(fs.readFileSync(await download.path(), 'utf8'));
    const rows = records.slice(1);
    expect(rows.map((r) => r[1])).toEqual(emails);
    for (const r of rows) {
      expect(r[2], `row ${r[0]}`).toBe('skipped');
      expect(r[3], `row ${r[0]}'s message`).toContain('wrong login or password');
    }
    const state = await sandboxState();
    expect(state.aurora.create_calls).toBe(0);
    expect(state.aurora.users).toHaveLength(0);
  });
});

async function keycloakRun(page: Page, apiUrl: string): Promise<void> {
  await openApp(page);
  await loadFile(page, writeFixture('kc.csv', 'username,email,password,name\nkh1,kh1@example.com,Pw-kh1-x7Q!,User One\n'));
  const c = controls(page);
  await waitForFileRead(page);
  await c.target.selectOption({ label: 'Keycloak' });
  for (const [label, value] of [
    ['Server URL', apiUrl],
    ['Realm', 'roster'],
    ['Login', 'admin'],
    ['Password', 'admin'],
  ]) {
    await page.getByLabel(label, { exact: true }).fill(value);
  }
  await page.getByLabel('Password', { exact: true }).press('Tab');
  await waitForFileRead(page);
  await startImport(page);
}

function panel(page: Page) {
  return page.getByRole('region', { name: 'Connection diagnosis' });
}

test.describe('issue 20: a token endpoint without an answer', () => {
  test('Keycloak token endpoint closes the connection: "the login endpoint gave no answer", not CORS', async ({ page, sandbox }) => {
    test.setTimeout(90_000);
    await configureSandbox({ keycloak: { token_hangup: true } });
    await keycloakRun(page, sandbox.apiUrl);
    const d = panel(page);
    await expect(d).toBeVisible({ timeout: 60_000 });
    await expect(d.getByRole('alert')).toContainText('The login endpoint gave no answer');
    await expect(d.getByRole('alert')).toContainText('/realms/master/protocol/openid-connect/token');
    await expect(d).toContainText('not a CORS problem');
    await expect(d).not.toContainText('Access-Control-Allow-Origin');
    await expect(d).not.toContainText('blocked by the browser');
    const kc = (await sandboxState()).keycloak as Record<string, unknown> & { faults_injected: Record<string, number> };
    expect(kc.logins).toBe(0);
    expect(kc.create_calls).toBe(0);
    expect(kc.faults_injected.token_hangup).toBe(kc.login_calls);
  });

  test('Keycloak token endpoint without this origin (admin-cli has no Web Origins): still blocked by the browser', async ({ page, sandbox }) => {
    test.setTimeout(90_000);
    await configureSandbox({ cors: null });
    await keycloakRun(page, sandbox.apiUrl);
    const d = panel(page);
    await expect(d).toBeVisible({ timeout: 60_000 });
    await expect(d.getByRole('alert')).toContainText('blocked by the browser');
    await expect(d).toContainText(`add_header Access-Control-Allow-Origin "${new URL(sandbox.pageUrl).origin}" always;`);
    await expect(d).not.toContainText('gave no answer');
  });
});
