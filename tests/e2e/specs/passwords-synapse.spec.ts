/**
 * End-to-end (issue 24, "Passwords handed out once"): "Generate passwords for rows without
 * one" with the Matrix Synapse preset against the real Synapse (global-setup.ts starts it).
 *
 * Rows without a password are invalid until the box is ticked; then they are created with
 * a generated password. "Download passwords" gives the accounts created with one (not the
 * one that existed, not the row with its own password), and every password in it signs
 * in through Synapse's own client login. None is in the report, the browser's storage
 * (the journal lives in localStorage) or the console. Leaving the page before the
 * download asks first.
 *
 * Synapse limits logins per client address to a burst of 5, and the other Synapse specs
 * spend that budget from 127.0.0.1. The page here uses a pasted admin token (no login),
 * and each check logs in from its own loopback address (127.0.0.x: Linux routes all of
 * 127/8 to the loopback, and Synapse counts the peer's address), so this spec neither
 * spends nor meets the others' budget.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import { test, expect } from '../lib/fixtures';
import { writeFixture } from '../lib/files';
import { controls, loadFile, openApp, waitForFileRead } from '../lib/app';
import { clickStart, waitForRunEnd } from '../lib/watchdog';
import { describeOddRows, downloadReport } from '../lib/report';
import { parseCsv } from '../lib/csv';
import { collectConsole, dumpBrowserStorage } from '../lib/browser-storage';
import { adminGetUser, registerUser, runTag, synapseUrl } from '../lib/synapse';

/** The client login, from the loopback address `from` (see above). */
function loginFrom(from: string, user: string, password: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = new URL(synapseUrl() + '/_matrix/client/v3/login');
  const payload = JSON.stringify({ type: 'm.login.password', identifier: { type: 'm.id.user', user }, password });
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress: from,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

test.describe('generated passwords against a real Synapse', () => {
  test('rows without a password are created with a generated one; each handed-out password signs in and is kept nowhere else', async ({ page }) => {
    test.setTimeout(180_000);
    const url = synapseUrl();
    const tag = runTag();
    const admin = await registerUser(`pwadmin-${tag}`, `Admin-pw-${tag}`, { admin: true });
    const existing = `pwold-${tag}`;
    await registerUser(existing, `Old-pw-${tag}`, { displayname: 'Old Name' });
    const own = `Own-pw-${tag}-x7Q!`;
    const fresh = [1, 2, 3, 4].map((i) => `pwnew${i}-${tag}`);
    const rows = [
      ...fresh.slice(0, 2).map((u) => `${u},${u}@example.com,,${u} Name`),
      `pwown-${tag},pwown-${tag}@example.com,${own},Own Name`,
      `${existing},${existing}@example.com,,Existing`,
      ...fresh.slice(2).map((u) => `${u},${u}@example.com,,${u} Name`),
    ];
    const file = ['username,email,password,name', ...rows].join('\n') + '\n';
    const consoleLog = collectConsole(page);

    await openApp(page);
    await loadFile(page, writeFixture('synapse-generated.csv', file));
    const c = controls(page);
    await waitForFileRead(page);
    await c.target.selectOption({ label: 'Matrix Synapse' });
    await page.getByLabel('Server URL', { exact: true }).fill(url);
    await page.getByLabel('Access token', { exact: true }).fill(admin.accessToken);
    await page.getByLabel('Access token', { exact: true }).press('Tab');
    await waitForFileRead(page);
    // Without the box, the five rows without a password are invalid…
    await expect(c.rowsTable.getByText('invalid', { exact: true })).toHaveCount(5);
    // …with it, none is.
    await page.getByRole('checkbox', { name: 'Generate passwords for rows without one' }).check();
    await waitForFileRead(page);
    await expect(c.rowsTable.getByText('invalid', { exact: true })).toHaveCount(0);

    await clickStart(page);
    await waitForRunEnd(page, { overallMs: 120_000, what: 'the Synapse run with generated passwords' });
    const report = await downloadReport(page);
    expect(report.map((r) => r.status), describeOddRows(report)).toEqual(['created', 'created', 'created', 'exists', 'created', 'created']);

    // Leaving now asks first: the passwords have not been downloaded.
    const asked: string[] = [];
    page.on('dialog', async (d) => {
      asked.push(d.type());
      await d.dismiss();
    });
    await page.close({ runBeforeUnload: true });
    await expect.poll(() => asked).toEqual(['beforeunload']);
    expect(page.isClosed()).toBe(false);

    const region = page.getByRole('region', { name: 'Generated passwords' });
    await expect(region).toContainText('4 accounts were created with a generated password');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      region.getByRole('button', { name: 'Download passwords', exact: true }).click(),
    ]);
    const records = parseCsv(fs.readFileSync(await download.path(), 'utf8'));
    expect(records[0]).toEqual(['account', 'sign_in_address', 'password']);
    const handed = records.slice(1);
    expect(handed.map((r) => r[0]), 'the created accounts with a generated password only').toEqual(fresh);
    const [slipsDownload] = await Promise.all([
      page.waitForEvent('download'),
      region.getByRole('button', { name: 'Download printable slips', exact: true }).click(),
    ]);
    const slips = fs.readFileSync(await slipsDownload.path(), 'utf8');
    expect(slips.match(/class="slip"/g)).toHaveLength(4);
    expect(slips).toContain(url);

    const storage = await dumpBrowserStorage(page);
    const reportText = JSON.stringify(report);
    for (const [i, [account, signIn, password]] of handed.entries()) {
      expect(signIn).toBe(`${account}@example.com`);
      expect(password.length).toBeGreaterThanOrEqual(20);
      expect(slips).toContain(password);
      // Every handed-out password signs in.
      const answer = await loginFrom(`127.0.0.${20 + i}`, account, password);
      expect(answer.status, `${account} signs in with its handed-out password: ${JSON.stringify(answer.body)}`).toBe(200);
      expect(answer.body.user_id).toBe(`@${account}:${admin.serverName}`);
      // And is nowhere else.
      expect(reportText).not.toContain(password);
      expect(storage, 'browser storage (the journal) holds no generated password').not.toContain(password);
      expect(consoleLog.join('\n')).not.toContain(password);
    }
    expect(storage).toContain('roster'); // the journal was written: there was something to search
    // The existing account was not touched; the row with its own password kept it.
    const old = await adminGetUser(admin.accessToken, `@${existing}:${admin.serverName}`);
    expect(old?.displayname).toBe('Old Name');
    const ownLogin = await loginFrom('127.0.0.30', `pwown-${tag}`, own);
    expect(ownLogin.status, 'the row with its own password keeps it').toBe(200);

    // Downloaded: leaving no longer asks.
    asked.length = 0;
    await page.close({ runBeforeUnload: true });
    await expect.poll(() => page.isClosed()).toBe(true);
    expect(asked).toEqual([]);
  });
});
