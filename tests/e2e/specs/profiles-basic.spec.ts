/**
 * End-to-end (issue 24, "Profiles that need no shell"): a profile for ejabberd's HTTP API
 * with Basic auth built from what the admin types, no `base64` in a shell.
 *
 * The admin loads the ejabberd example profile (`crates/core/profiles/examples/
 * ejabberd.json`) through "Load a profile…", types the admin's JID and password and the
 * XMPP domain, and imports a file of users into the sandbox's ejabberd shape
 * (`mod_http_api`: `POST /api/register`, a bare JSON string on success, HTTP 500 with
 * code 10001 for a malformed user name). The Name column is not offered (the profile
 * leaves names unmapped). The sandbox then holds the users with their passwords; the
 * malformed user name is `rejected` with ejabberd's reason. In this copy the user name's
 * `pattern` check is replaced by "text", so that the server's own refusal is what the row shows
 * (with it, the row is invalid before anything is sent: the native tests cover that).
 * The password is in no report and no storage.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect } from '../lib/fixtures';
import { sandboxState } from '../lib/sandbox';
import { writeFixture } from '../lib/files';
import { controls, loadFile, openApp, waitForFileRead } from '../lib/app';
import { clickStart, waitForRunEnd } from '../lib/watchdog';
import { downloadReport } from '../lib/report';

const ADMIN_JID = 'admin@localhost';
const ADMIN_PASSWORD = 'sandbox-xmpp-admin';
const EXAMPLE = path.join(__dirname, '../../../crates/core/profiles/examples/ejabberd.json');

interface EjabberdUser {
  user: string;
  host: string;
  password: string;
}

async function loadProfile(page: Page, file: string): Promise<void> {
  await controls(page).target.selectOption({ label: 'Load a profile…' });
  await expect(page.getByRole('region', { name: 'Profile drop zone' })).toBeVisible();
  await page.getByLabel('Choose profile file').setInputFiles(file);
}

test('an ejabberd profile with Basic auth from a typed login and password imports a file', async ({ page, sandbox }) => {
  const profile = JSON.parse(fs.readFileSync(EXAMPLE, 'utf8'));
  const username = profile.fields.find((f: { field: string }) => f.field === 'username');
  username.check = 'text';
  await openApp(page);
  await loadProfile(page, writeFixture('ejabberd.json', JSON.stringify(profile, null, 2)));
  const c = controls(page);
  await expect(c.target.locator('option:checked')).toHaveText('ejabberd (XMPP)');

  const csv = 'Name,username,password\nAnn Lee,ann,Pw-ann-1\nBob Ray,bob,Pw-bob-1\nCy Dee,cy d,Pw-cy-1\n';
  await loadFile(page, writeFixture('xmpp-users.csv', csv));
  await waitForFileRead(page);
  // Names are not offered: ejabberd's register takes none.
  const nameColumn = page.locator('#map-col-0');
  await expect(nameColumn).toHaveValue('');
  await expect(nameColumn.locator('option', { hasText: /^Name/ })).toHaveCount(0);

  await page.getByLabel('Server URL').fill(sandbox.apiUrl);
  await page.getByLabel('Admin JID', { exact: true }).fill(ADMIN_JID);
  const password = page.getByLabel('Password', { exact: true });
  await expect(password).toHaveAttribute('type', 'password');
  await password.fill(ADMIN_PASSWORD);
  await page.getByLabel('XMPP domain', { exact: true }).fill('localhost');
  await page.getByLabel('XMPP domain', { exact: true }).press('Tab');
  await expect(c.rowsTable.getByText('invalid', { exact: true })).toHaveCount(0);
  await clickStart(page);
  await waitForRunEnd(page, { overallMs: 60_000, what: 'the ejabberd run' });

  const report = await downloadReport(page);
  expect(report.map((r) => r.status)).toEqual(['created', 'created', 'rejected']);
  expect(report[0].targetId).toBe('ann@localhost');
  expect(report[2].message).toContain('Malformed username');
  expect(JSON.stringify(report)).not.toContain(ADMIN_PASSWORD);

  const state = (await sandboxState()) as unknown as { ejabberd: { users: EjabberdUser[] } };
  expect(state.ejabberd.users).toEqual([
    { user: 'ann', host: 'localhost', password: 'Pw-ann-1' },
    { user: 'bob', host: 'localhost', password: 'Pw-bob-1' },
  ]);
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
  expect(stored).toContain('ejabberd');
  expect(stored).not.toContain(ADMIN_PASSWORD);
});
