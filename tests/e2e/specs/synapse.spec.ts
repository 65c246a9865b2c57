/**
 * End-to-end (issue 12, section 3): the "Matrix Synapse" preset against a real Synapse
 * (installed from PyPI, started by global-setup.ts: lib/synapse-process.ts).
 *
 * Everything is checked through Synapse's own APIs (lib/synapse.ts), never through the
 * page: the admin users API for what exists and with which display name and e-mail, and
 * the client login for which password an account has. The preset reads an account (GET on
 * the admin users endpoint) before it creates it with a PUT on the same endpoint, because
 * that PUT is an upsert: sent for an existing account it would reset its password. So the
 * pre-existing account must be reported `exists` and keep its password and display name.
 *
 * Synapse limits logins per client address to a burst of 5 (rc_login.address, one more
 * every ~5 min), and the page's requests come from 127.0.0.1: the first test logs in
 * twice from there (the page's Check login, then its run), and its three password checks
 * log in from loopback addresses of their own (127.0.0.4x); the second not at all (the
 * admin's token comes from the shared-secret registration). A test added here that logs
 * in more must mind that budget; the harness keeps Synapse's default limits on purpose.
 *
 * Synapse keeps a device per password login: the page logs out the session its own login
 * made once done (after Check login, after a run), so the admin's device count is the
 * same before and after; a pasted token is the admin's own device, never logged out.
 *
 * If Synapse is not installed or did not start, these tests fail with the reason
 * (ROSTER_SYNAPSE_ERROR, set by global-setup.ts); they are never skipped.
 */
import type { Page } from '@playwright/test';
import { test, expect } from '../lib/fixtures';
import { writeFixture } from '../lib/files';
import { controls, loadFile, openApp, readRows, waitForFileRead } from '../lib/app';
import { expectCounts } from '../lib/input';
import { clickStart, waitForRunEnd } from '../lib/watchdog';
import { describeOddRows, downloadReport, tally, type ReportRow } from '../lib/report';
import { adminDeviceCount, adminGetUser, login, registerUser, runTag, synapseUrl } from '../lib/synapse';

interface Account {
  username: string;
  email: string;
  password: string;
  name: string;
}

/**
 * `n` accounts whose localparts carry `tag` (unique per run, so a long-lived server also
 * works). A few use the rarer characters Matrix allows in a localpart (`.`, `_`, `+`, `=`,
 * `/`): the page must percent-encode them in the admin API path, and Synapse decodes them.
 */
function accounts(prefix: string, tag: string, n: number): Account[] {
  const names = ['Ada Lovelace', 'Zoë Ångström', 'Grace Hopper', 'Émile Borel', 'Alan Turing'];
  const odd: Record<number, string> = { 5: '.a_b', 9: '+x=y', 12: '/q' };
  return Array.from({ length: n }, (_, i) => ({
    username: `${prefix}${i + 1}${odd[i + 1] ?? ''}-${tag}`,
    email: `${prefix}${i + 1}-${tag}@example.com`,
    password: `Pw-${prefix}${i + 1}-${tag}-x7Q!`,
    name: `${names[i % names.length]} ${i + 1}`,
  }));
}

function csv(rows: Account[]): string {
  return ['username,email,password,name', ...rows.map((a) => `${a.username},${a.email},${a.password},${a.name}`)].join('\n') + '\n';
}

/**
 * Chooses "Matrix Synapse" and fills its connection fields after the file is read
 * (choosing the target re-checks the rows), then waits until no row is invalid.
 */
async function fillSynapse(page: Page, fields: Record<string, string>): Promise<void> {
  const c = controls(page);
  await waitForFileRead(page);
  await c.target.selectOption({ label: 'Matrix Synapse' });
  for (const [label, value] of Object.entries(fields)) {
    await page.getByLabel(label, { exact: true }).fill(value);
  }
  await page.getByLabel(Object.keys(fields).at(-1)!, { exact: true }).press('Tab');
  await waitForFileRead(page);
  await expect(c.rowsTable.getByText('invalid', { exact: true })).toHaveCount(0);
}

async function runImport(page: Page, overallMs: number, what: string): Promise<ReportRow[]> {
  await clickStart(page);
  await waitForRunEnd(page, { overallMs, what });
  const report = await downloadReport(page);
  test.info().annotations.push({ type: 'statuses', description: tally(report) });
  return report;
}

/** Every row but `existing` created, `existing` reported exists, no password in the report. */
function expectStatuses(report: ReportRow[], rows: Account[], existing: string[], extraSecrets: string[] = []): void {
  expect(report.map((r) => r.email)).toEqual(rows.map((a) => a.email));
  for (const r of report) {
    const want = existing.includes(r.email) ? 'exists' : 'created';
    expect(r.status, `row ${r.row} ${r.email}: ${r.message}\n${describeOddRows(report)}`).toBe(want);
  }
  const text = JSON.stringify(report);
  for (const a of rows) expect(text, `the report must not hold ${a.username}'s password`).not.toContain(a.password);
  for (const s of extraSecrets) expect(text, 'the report must not hold the admin credentials').not.toContain(s);
}

/** What Synapse holds for each created row: the account, its display name, its e-mail. */
async function expectCreated(adminToken: string, serverName: string, rows: Account[], report: ReportRow[]): Promise<void> {
  for (const a of rows) {
    const userId = `@${a.username}:${serverName}`;
    const u = await adminGetUser(adminToken, userId);
    expect(u, `${userId} exists on Synapse`).toBeDefined();
    expect(u!.displayname, `${userId}'s display name`).toBe(a.name);
    expect(u!.admin, `${userId} is not an admin`).toBe(false);
    expect(u!.deactivated).toBe(false);
    // The preset sends the address as an e-mail threepid; Synapse keeps it (lower-cased).
    expect(u!.threepids.map((t) => `${t.medium}:${t.address}`), `${userId}'s e-mail`).toEqual([`email:${a.email.toLowerCase()}`]);
    const r = report.find((x) => x.email === a.email)!;
    // The target id is the Matrix user id; the CSV report prefixes a cell starting with
    // `@` with `'` (formula-injection neutralisation, README "Reports").
    expect(r.targetId, `${a.username}'s target id is its Matrix user id`).toBe(`'${userId}`);
  }
}

test.describe('the Matrix Synapse preset against a real Synapse', () => {
  test('20 rows, one account already there: 19 created with their names, the existing one untouched', async ({ page }) => {
    test.setTimeout(180_000);
    const url = synapseUrl();
    const tag = runTag();
    const adminPassword = `Admin-pw-${tag}`;
    const admin = await registerUser(`admin-${tag}`, adminPassword, { admin: true });
    const rows = accounts('u', tag, 20);
    const taken = rows[6];
    // The account exists before the import, with its own password and name; the file
    // gives it another password and name, which must not reach Synapse.
    const takenPassword = `Old-pw-${tag}`;
    await registerUser(taken.username, takenPassword, { displayname: 'Old Name' });
    const takenId = `@${taken.username}:${admin.serverName}`;
    const before = await adminGetUser(admin.accessToken, takenId);
    expect(before?.displayname).toBe('Old Name');

    await openApp(page);
    await loadFile(page, writeFixture('synapse.csv', csv(rows)));
    // Server name left empty: the page reads it from the login's user_id.
    await fillSynapse(page, { 'Server URL': url, Login: `admin-${tag}`, Password: adminPassword });
    // Check login logs in and out again: no device is left behind.
    const devices = await adminDeviceCount(admin.accessToken, admin.userId);
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await expect(page.getByRole('list', { name: 'Check results' })).toContainText('Login OK.', { timeout: 30_000 });
    await expect.poll(() => adminDeviceCount(admin.accessToken, admin.userId), { message: 'devices after Check login' }).toBe(devices);
    const report = await runImport(page, 150_000, 'the Synapse run');
    expectStatuses(report, rows, [taken.email], [adminPassword, admin.accessToken]);
    await expect(controls(page).statusRegion).toContainText('Import finished');
    expect(await adminDeviceCount(admin.accessToken, admin.userId), 'devices after the run').toBe(devices);

    const created = rows.filter((a) => a !== taken);
    expect(created).toHaveLength(19);
    await expectCreated(admin.accessToken, admin.serverName, created, report);

    // The existing account is as it was: same name, no e-mail added, the old password.
    const after = await adminGetUser(admin.accessToken, takenId);
    expect(after?.displayname, 'the existing account keeps its display name').toBe('Old Name');
    expect(after?.threepids, 'the file\'s e-mail was not added to the existing account').toEqual(before?.threepids);
    expect(after?.creation_ts).toBe(before?.creation_ts);
    const oldLogin = await login(taken.username, takenPassword, '127.0.0.41');
    expect(oldLogin.status, `the existing account's old password still logs in: ${JSON.stringify(oldLogin.body)}`).toBe(200);
    const fileLogin = await login(taken.username, taken.password, '127.0.0.42');
    expect(fileLogin.status, `the file's password was not set on the existing account: ${JSON.stringify(fileLogin.body)}`).toBe(403);

    // A created account logs in with the password from the file (one whose localpart
    // needed encoding in the path).
    const one = created.find((a) => a.username.includes('+'))!;
    const ok = await login(one.username, one.password, '127.0.0.43');
    expect(ok.status, `${one.username} logs in with its file password: ${JSON.stringify(ok.body)}`).toBe(200);
    expect(ok.body.user_id).toBe(`@${one.username}:${admin.serverName}`);
  });

  test('two addresses with one local part are one account: flagged before sending, only the kept one created', async ({ page }) => {
    test.setTimeout(120_000);
    const url = synapseUrl();
    const tag = runTag();
    // A pasted token: no login, so the login budget of the first test is untouched.
    const admin = await registerUser(`dupadmin-${tag}`, `Admin-pw-${tag}`, { admin: true });
    const local = `john-${tag}`;
    const rows = [
      { email: `${local}@a.example.org`, password: `Pw-a-${tag}-x7Q!`, name: 'John A' },
      { email: `${local}@b.example.org`, password: `Pw-b-${tag}-x7Q!`, name: 'John B' },
      { email: `ann-${tag}@a.example.org`, password: `Pw-c-${tag}-x7Q!`, name: 'Ann C' },
    ];
    // No username column: Synapse's preset takes the user name from the address.
    const file = ['email,password,name', ...rows.map((r) => `${r.email},${r.password},${r.name}`)].join('\n') + '\n';

    await openApp(page);
    await loadFile(page, writeFixture('synapse-one-local-part.csv', file));
    const c = controls(page);
    await waitForFileRead(page);
    await expectCounts(page, 3, 0, 0);
    await c.target.selectOption({ label: 'Matrix Synapse' });
    await page.getByLabel('Server URL', { exact: true }).fill(url);
    await page.getByLabel('Access token', { exact: true }).fill(admin.accessToken);
    await page.getByLabel('Access token', { exact: true }).press('Tab');
    await waitForFileRead(page);
    // Choosing the target planned the rows again: both rows of the pair are flagged,
    // each naming the other's line and the user name.
    await expectCounts(page, 1, 2, 0);
    const table = await readRows(page);
    expect(table[0].Status).toBe('invalid');
    // The key words first, then the value (issue 27).
    expect(table[0].Message).toMatch(new RegExp(`appears more than once.*"${local}"`));
    expect(table[0].Message).toContain('also on line 3');
    expect(table[1].Message).toContain('also on line 2');
    expect(table[2].Status).not.toBe('invalid');

    const bulk = page.getByRole('group', { name: /listed row/ });
    await bulk.getByRole('button', { name: 'Keep the first of each duplicate', exact: true }).click();
    await expect(bulk).toContainText('Excluded 1 row whose address or user name appears earlier in the file.');
    await expectCounts(page, 2, 0, 1);

    const report = await runImport(page, 90_000, 'the Synapse run with one local part twice');
    expect(report.map((r) => r.status), describeOddRows(report)).toEqual(['created', 'skipped', 'created']);
    const johnId = `@${local}:${admin.serverName}`;
    const john = await adminGetUser(admin.accessToken, johnId);
    expect(john?.displayname).toBe('John A');
    expect(john?.threepids.map((t) => t.address), 'the kept row is the account, not the second').toEqual([rows[0].email]);
  });

  test('an admin access token pasted instead of a login also works', async ({ page }) => {
    test.setTimeout(120_000);
    const url = synapseUrl();
    const tag = runTag();
    const admin = await registerUser(`tokadmin-${tag}`, `Admin-pw-${tag}`, { admin: true });
    const rows = accounts('t', tag, 4);

    await openApp(page);
    await loadFile(page, writeFixture('synapse-token.csv', csv(rows)));
    // No Login or Password: the page asks Synapse who the token belongs to (whoami), which
    // also gives the server name.
    await fillSynapse(page, { 'Server URL': url, 'Access token': admin.accessToken });
    await expect(controls(page).login).toHaveValue('');
    await expect(controls(page).password).toHaveValue('');
    const devices = await adminDeviceCount(admin.accessToken, admin.userId);
    const report = await runImport(page, 90_000, 'the Synapse run with a token');
    expectStatuses(report, rows, [], [admin.accessToken]);
    await expectCreated(admin.accessToken, admin.serverName, rows, report);
    // The pasted token is the admin's own device: still there, and still valid.
    expect(await adminDeviceCount(admin.accessToken, admin.userId)).toBe(devices);
  });
});
