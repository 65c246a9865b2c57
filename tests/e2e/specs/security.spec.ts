/**
 * Issue 5, security: the built page's Content-Security-Policy (and the page still works
 * under it), secrets never in browser storage or the console, the http:// warning, and a
 * file full of markup rendered as text only.
 */
import * as fs from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect } from '../lib/fixtures';
import { configureSandbox, sandboxState } from '../lib/sandbox';
import { writeFixture } from '../lib/files';
import { controls, fillMumara, loadFile, openApp, readRows, startImport, waitForImportFinished } from '../lib/app';
import { collectAuthTokens, collectConsole, dumpBrowserStorage } from '../lib/browser-storage';

const ADMIN_PASSWORD = 'Adm1n-S3cret-Pw';

/** Records CSP violations from the very start of every document. */
async function watchCsp(page: Page) {
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
}

async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
}

async function auroraRun(page: Page, serverUrl: string, path: string, rows: number) {
  await loadFile(page, path);
  const c = controls(page);
  await c.target.selectOption({ label: 'Aurora' });
  await c.serverUrl.fill(serverUrl);
  await c.login.fill('superadmin');
  await c.password.fill(ADMIN_PASSWORD);
  await startImport(page);
  await waitForImportFinished(page, rows);
}

test.describe('security', () => {
  test('CSP: the built page carries the policy and imports under it with no violation', async ({ page, sandbox, consoleErrors }) => {
    await configureSandbox({ aurora: { superadmin_password: ADMIN_PASSWORD } });
    await watchCsp(page);
    const response = await page.goto('/');
    await expect(controls(page).start).toBeVisible({ timeout: 20_000 });
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(csp).toBeTruthy();
    const directives = new Map(
      csp!.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values] as const),
    );
    expect(directives.get('default-src')).toEqual(["'self'"]);
    const script = directives.get('script-src')!;
    expect(script.slice(0, 2)).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(script.slice(2).length).toBeGreaterThan(0);
    for (const s of script.slice(2)) expect(s).toMatch(/^'sha256-[A-Za-z0-9+/]+=*'$/);
    expect(csp).not.toContain('unsafe-inline');
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('connect-src')).toEqual(["'self'", 'https:', 'http:']);
    // The host's headers (the sandbox serves dist/ as the README asks a host to).
    const headers = response!.headers();
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');

    await auroraRun(page, sandbox.auroraServerUrl, writeFixture('cr.txt', 'csp1@localhost | Pw-csp-1\ncsp2@localhost | Pw-csp-2\n'), 2);
    expect((await sandboxState()).aurora.users.map((u) => u.public_id).sort()).toEqual(['csp1@localhost', 'csp2@localhost']);
    expect(await cspViolations(page)).toEqual([]);
    expect(consoleErrors).toEqual([]);
    // An inline script the policy does not list is refused.
    const ran = await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inline = 1';
      document.body.appendChild(s);
      return (window as unknown as { __inline?: number }).__inline;
    });
    expect(ran).toBeUndefined();
  });

  test('after a run, localStorage, sessionStorage and IndexedDB hold no password, token or key; the console never shows them', async ({ page, sandbox }) => {
    await configureSandbox({ aurora: { superadmin_password: ADMIN_PASSWORD, latency_ms: 30 } });
    const consoleMessages = collectConsole(page);
    const tokens = collectAuthTokens(page);
    await openApp(page);
    const passwords = ['Pw-store-1', 'Pw-store-2', 'Pw-store-3'];
    await auroraRun(
      page,
      sandbox.auroraServerUrl,
      writeFixture('s.txt', passwords.map((p, i) => `s${i + 1}@localhost | ${p}`).join('\n') + '\n'),
      3,
    );
    expect(tokens.length).toBeGreaterThan(0);
    // Mumara too (its API key).
    await page.reload();
    await expect(controls(page).start).toBeVisible({ timeout: 20_000 });
    await loadFile(page, writeFixture('m.csv', 'name,email,password\nM,m1@example.com,Pw-store-m\n'));
    const c = controls(page);
    await fillMumara(page, { serverUrl: sandbox.apiUrl, apiKey: 'sandbox-key', packageId: '1' });
    await startImport(page);
    await waitForImportFinished(page, 1);
    expect((await sandboxState()).mumara.users).toHaveLength(1);

    const stored = await dumpBrowserStorage(page);
    expect(stored).toContain('roster.journal.v1.');
    const secrets = [...passwords, 'Pw-store-m', ADMIN_PASSWORD, 'sandbox-key', ...tokens];
    for (const s of secrets) expect(stored, `storage must not hold ${s}`).not.toContain(s);
    const logged = consoleMessages.join('\n');
    for (const s of secrets) expect(logged, `console must not show ${s}`).not.toContain(s);
  });

  test('http:// to another computer: Start refuses until the warning is acknowledged', async ({ page }) => {
    await openApp(page);
    await loadFile(page, writeFixture('cr.txt', 'h1@localhost | Pw-http-1\n'));
    const c = controls(page);
    await c.target.selectOption({ label: 'Aurora' });
    await c.serverUrl.fill('http://mail.example.invalid/');
    await c.login.fill('superadmin');
    await c.password.fill('12345');
    const ack = page.getByLabel('I understand the password is sent unencrypted');
    await expect(ack).toBeVisible();
    await expect(ack).not.toBeChecked();
    // Start is disabled, and says why next to it (issue 13).
    await expect(c.start).toBeDisabled();
    await expect(c.start).toHaveAccessibleDescription(/unencrypted/);
    await expect(c.statusRegion.filter({ hasText: 'Import started' })).toHaveCount(0);
    await ack.check();
    await startImport(page);
    await expect(c.statusRegion.filter({ hasText: 'login failed' }).first()).toBeAttached({ timeout: 20_000 });
    // Loopback needs no acknowledgement.
    await c.serverUrl.fill('http://127.0.0.1:9/');
    await expect(ack).toHaveCount(0);
    const state = await sandboxState();
    expect(state.aurora.logins).toBe(0);
  });

  test('a file full of <script> and <img onerror> is shown as text and nothing executes', async ({ page, sandbox }) => {
    const dialogs: string[] = [];
    page.on('dialog', async (d) => {
      dialogs.push(d.message());
      await d.dismiss();
    });
    await configureSandbox({ aurora: { superadmin_password: ADMIN_PASSWORD } });
    await watchCsp(page);
    const payloads = [
      '<script>window.__pwned="script"</script>',
      '<img src=x onerror="window.__pwned=\'img\';alert(1)">',
      '"><svg onload="window.__pwned=\'svg\'">',
      '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
    ];
    const rows = payloads.map((p, i) => `"${p.replace(/"/g, '""')}",x${i}@localhost,"${p.replace(/"/g, '""')}",Pw-x-${i}`);
    const text = ['note,email,name,password', ...rows, `"<b>bold</b>","<img src=x onerror=alert(2)>@localhost",n,Pw-x-9`].join('\n') + '\n';
    await openApp(page);
    await auroraRun(page, sandbox.auroraServerUrl, writeFixture('xss.csv', text), payloads.length + 1);
    const table = await readRows(page);
    expect(table[payloads.length].Email).toBe('<img src=x onerror=alert(2)>@localhost');
    await expect(page.getByText('<img src=x onerror=alert(2)>@localhost').first()).toBeVisible();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download report (JSON)' }).click()]);
    const report = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
    expect(report.rows[0].input.note).toBe(payloads[0]);
    await page.waitForTimeout(300);
    const pwned = await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned);
    expect(pwned).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(await page.locator('main img, main svg[onload], main iframe, main b').count()).toBe(0);
    expect(await cspViolations(page)).toEqual([]);
  });
});
