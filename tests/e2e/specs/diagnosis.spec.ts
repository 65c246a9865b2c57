/**
 * Issue 5, CORS and reachability diagnosis: the sandbox with CORS off, a closed port, and
 * a wrong path each get their own diagnosis and fix in the page, with this page's origin
 * filled in; nothing is created.
 */
import * as net from 'node:net';
import type { Page } from '@playwright/test';
import { test, expect } from '../lib/fixtures';
import { configureSandbox, sandboxState } from '../lib/sandbox';
import { writeFixture, crTxt, SEED_LINES } from '../lib/files';
import { cancelRun, controls, fillMumara, loadFile, openApp, startImport } from '../lib/app';

async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function startAurora(page: Page, serverUrl: string) {
  await openApp(page);
  await loadFile(page, writeFixture('cr.txt', crTxt(SEED_LINES)));
  const c = controls(page);
  await c.target.selectOption({ label: 'Aurora' });
  await c.serverUrl.fill(serverUrl);
  await c.login.fill('superadmin');
  await c.password.fill('12345');
  await startImport(page);
}

function panel(page: Page) {
  return page.getByRole('region', { name: 'Connection diagnosis' });
}

test.describe('reachability diagnosis', () => {
  test('CORS off: reachable but blocked by the browser, with the Aurora setting and proxy rules for this origin', async ({ page, sandbox }) => {
    await configureSandbox({ cors: null });
    await startAurora(page, sandbox.auroraServerUrl);
    const origin = new URL(sandbox.pageUrl).origin;
    const d = panel(page);
    await expect(d).toBeVisible({ timeout: 20_000 });
    await expect(d.getByRole('alert')).toContainText('Reachable but blocked by the browser');
    await expect(d).toContainText(`"AllowCrossDomainRequestsFromOrigin": "${origin}"`);
    await expect(d).toContainText('data/settings/config.json');
    await expect(d).toContainText(`add_header Access-Control-Allow-Origin "${origin}" always;`);
    await expect(d).toContainText(`Header always set Access-Control-Allow-Origin "${origin}"`);
    await expect(d).toContainText('--public-url /roster/');
    await expect(controls(page).statusRegion).toContainText('login failed');
    expect((await sandboxState()).aurora.create_calls).toBe(0);
  });

  test('closed port: server unreachable, not a CORS problem', async ({ page }) => {
    const port = await closedPort();
    await startAurora(page, `http://127.0.0.1:${port}/`);
    const d = panel(page);
    await expect(d).toBeVisible({ timeout: 20_000 });
    await expect(d.getByRole('alert')).toContainText('Server unreachable');
    await expect(d).toContainText('not a CORS problem');
    await expect(d).not.toContainText('AllowCrossDomainRequestsFromOrigin');
  });

  test('wrong path: wrong Server URL (404)', async ({ page, sandbox }) => {
    await startAurora(page, `${sandbox.apiUrl}/wrong/path/`);
    const d = panel(page);
    await expect(d).toBeVisible({ timeout: 20_000 });
    await expect(d.getByRole('alert')).toContainText('Wrong Server URL');
    await expect(d.getByRole('alert')).toContainText('404');
    await expect(d).not.toContainText('AllowCrossDomainRequestsFromOrigin');
    expect((await sandboxState()).aurora.create_calls).toBe(0);
  });

  test('wrong password is not diagnosed: the server answered', async ({ page, sandbox }) => {
    await openApp(page);
    await loadFile(page, writeFixture('cr.txt', crTxt(SEED_LINES)));
    const c = controls(page);
    await c.target.selectOption({ label: 'Aurora' });
    await c.serverUrl.fill(sandbox.auroraServerUrl);
    await c.login.fill('superadmin');
    await c.password.fill('wrong-password');
    await startImport(page);
    await expect(c.statusRegion).toContainText('login failed');
    await page.waitForTimeout(500);
    await expect(panel(page)).toHaveCount(0);
  });

  test('Mumara with CORS off: the run pauses at its first request, with the proxy rules (Mumara has no CORS setting)', async ({ page, sandbox }) => {
    await configureSandbox({ cors: null });
    await openApp(page);
    const lines = ['name,email,password', 'M One,m1@example.com,Pw-m-1', 'M Two,m2@example.com,Pw-m-2'];
    await loadFile(page, writeFixture('m.csv', lines.join('\n') + '\n'));
    const c = controls(page);
    await fillMumara(page, { serverUrl: sandbox.apiUrl, apiKey: 'sandbox-key', packageId: '1' });
    await startImport(page);
    const origin = new URL(sandbox.pageUrl).origin;
    const d = panel(page);
    await expect(d).toBeVisible({ timeout: 20_000 });
    await expect(d.getByRole('alert')).toContainText('Reachable but blocked by the browser');
    await expect(d).toContainText('Mumara has no CORS setting');
    await expect(d).toContainText(`add_header Access-Control-Allow-Origin "${origin}" always;`);
    await expect(d).not.toContainText('AllowCrossDomainRequestsFromOrigin');
    await expect(c.statusRegion).toContainText('Import paused');
    await expect(c.resume).toBeEnabled();
    await cancelRun(page);
    await expect(c.statusRegion).toContainText('Import stopped');
    expect((await sandboxState()).mumara.users).toHaveLength(0);
  });
});
