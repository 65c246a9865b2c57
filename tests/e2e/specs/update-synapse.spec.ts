/**
 * End-to-end (issue 24, "Create or update, with a preview"), against the real Synapse
 * (global-setup.ts starts it): with Existing accounts set to Update, Start first looks up
 * which accounts exist and shows what changes (old → new, never a password); nothing is
 * sent until the admin confirms. Then the existing account's display name changes, and
 * its old password still signs in when "Also set passwords of existing accounts" is
 * unticked, the new one when it is ticked.
 *
 * Synapse limits logins per client address to a burst of 5: the page uses a pasted admin
 * token, and each sign-in check comes from its own loopback address (see
 * passwords-synapse.spec.ts).
 */
import * as http from 'node:http';
import type { Page } from '@playwright/test';
import { test, expect } from '../lib/fixtures';
import { writeFixture } from '../lib/files';
import { controls, loadFile, openApp, waitForFileRead } from '../lib/app';
import { clickStart, waitForRunEnd } from '../lib/watchdog';
import { describeOddRows, downloadReport } from '../lib/report';
import { adminGetUser, registerUser, runTag, synapseUrl } from '../lib/synapse';

/** The client login, from the loopback address `from`: its HTTP status. */
function loginFrom(from: string, user: string, password: string): Promise<number> {
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
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Loads `file`, chooses Synapse with the admin's token, and sets Existing accounts: Update. */
async function prepare(page: Page, name: string, file: string, token: string, passwords: boolean): Promise<void> {
  await openApp(page);
  await loadFile(page, writeFixture(name, file));
  const c = controls(page);
  await waitForFileRead(page);
  await c.target.selectOption({ label: 'Matrix Synapse' });
  await page.getByLabel('Server URL', { exact: true }).fill(synapseUrl());
  await page.getByLabel('Access token', { exact: true }).fill(token);
  await page.getByLabel('Access token', { exact: true }).press('Tab');
  await waitForFileRead(page);
  await expect(c.rowsTable.getByText('invalid', { exact: true })).toHaveCount(0);
  await page.getByLabel('Existing accounts', { exact: true }).selectOption({ label: 'Update' });
  const box = page.getByRole('checkbox', { name: 'Also set passwords of existing accounts' });
  if (passwords) await box.check();
  else await expect(box).not.toBeChecked();
}

test.describe('update existing accounts on a real Synapse', () => {
  test('the preview shows the display name change; confirmed, it changes and the password stays unless ticked', async ({ page }) => {
    test.setTimeout(180_000);
    const tag = runTag();
    const admin = await registerUser(`updadmin-${tag}`, `Admin-pw-${tag}`, { admin: true });
    const kept = `updkeep-${tag}`;
    const set = `updset-${tag}`;
    await registerUser(kept, `Old-pw-${kept}`, { displayname: 'Old Keep' });
    await registerUser(set, `Old-pw-${set}`, { displayname: 'Old Set' });
    const fresh = `updnew-${tag}`;

    // Unticked: the display name changes, the password stays.
    await prepare(
      page,
      'synapse-update.csv',
      `username,email,password,name\n${kept},,New-pw-${kept},New Keep\n${fresh},,New-pw-${fresh},Fresh One\n`,
      admin.accessToken,
      false,
    );
    await clickStart(page);
    const preview = page.getByRole('region', { name: 'Preview of the update' });
    await expect(preview).toContainText('1 account exists and will be updated. Their passwords stay as they are.');
    await expect(preview).toContainText(`Row 1: ${kept}: name: "Old Keep" → "New Keep"`);
    await expect(preview).toContainText('1 row not on the server will be created.');
    await expect(preview).not.toContainText('New-pw');
    // Nothing is sent before the admin confirms.
    expect((await adminGetUser(admin.accessToken, `@${kept}:${admin.serverName}`))?.displayname).toBe('Old Keep');
    expect(await adminGetUser(admin.accessToken, `@${fresh}:${admin.serverName}`)).toBeUndefined();
    await preview.getByRole('button', { name: 'Update 1 account and start' }).click();
    await waitForRunEnd(page, { overallMs: 90_000, what: 'the Synapse update run' });
    const report = await downloadReport(page);
    expect(report.map((r) => r.status), describeOddRows(report)).toEqual(['updated', 'created']);
    expect(report[0].message).toContain('name: "Old Keep" → "New Keep"');
    expect((await adminGetUser(admin.accessToken, `@${kept}:${admin.serverName}`))?.displayname).toBe('New Keep');
    expect(await loginFrom('127.0.0.61', kept, `Old-pw-${kept}`), 'the old password still signs in').toBe(200);
    expect(await loginFrom('127.0.0.62', kept, `New-pw-${kept}`), 'the new one does not').toBe(403);
    expect(await loginFrom('127.0.0.63', fresh, `New-pw-${fresh}`), 'the created account has its password').toBe(200);

    // Ticked: the password is set too.
    const second = await page.context().newPage();
    await prepare(
      second,
      'synapse-update-passwords.csv',
      `username,email,password,name\n${set},,New-pw-${set},New Set\n`,
      admin.accessToken,
      true,
    );
    await clickStart(second);
    const preview2 = second.getByRole('region', { name: 'Preview of the update' });
    await expect(preview2).toContainText('Their passwords are set to the file\'s too.');
    await preview2.getByRole('button', { name: 'Update 1 account and start' }).click();
    await waitForRunEnd(second, { overallMs: 90_000, what: 'the Synapse update run with passwords' });
    const report2 = await downloadReport(second);
    expect(report2.map((r) => r.status), describeOddRows(report2)).toEqual(['updated']);
    expect((await adminGetUser(admin.accessToken, `@${set}:${admin.serverName}`))?.displayname).toBe('New Set');
    expect(await loginFrom('127.0.0.64', set, `New-pw-${set}`), 'the new password signs in').toBe(200);
    expect(await loginFrom('127.0.0.65', set, `Old-pw-${set}`), 'the old one no longer does').toBe(403);
  });
});
