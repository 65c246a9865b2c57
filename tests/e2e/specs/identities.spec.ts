/**
 * End-to-end (issue 20, "Two rows, one account"): an answer that says an account is there
 * is `exists` only when the account is the row's. Against the sandbox's Keycloak and
 * GitLab shapes (crates/sandbox/README.md), checked through the sandbox's control API:
 *  - Keycloak answers 409 "User exists with same email" when another user name has the
 *    address: the row is a conflict (`rejected`, "Conflict: …", naming the row's user
 *    name and address, and the other account's user name, looked up by the address),
 *    never `exists`, and the other user is untouched;
 *  - GitLab's preset reads the user name first (GET /api/v4/users?username=): the
 *    account found with another address is a conflict naming both addresses; the
 *    account found with the row's address is `exists`; a free user name whose address is
 *    another user's secondary address gets GitLab's 409 "Email has already been taken":
 *    a conflict naming both user names (the other looked up by the address). Only the
 *    free row is created.
 * The Matrix Synapse case (two addresses with one local part) is in synapse.spec.ts.
 */
import type { Page } from '@playwright/test';
import { test, expect } from '../lib/fixtures';
import { apiUrl, sandboxState } from '../lib/sandbox';
import { writeFixture } from '../lib/files';
import { controls, loadFile, openApp, waitForFileRead } from '../lib/app';
import { clickStart, waitForRunEnd } from '../lib/watchdog';
import { describeOddRows, downloadReport, tally, type ReportRow } from '../lib/report';

async function seed(body: Record<string, unknown[]>): Promise<void> {
  const res = await fetch(`${apiUrl()}/_sandbox/seed`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.text()).toBe(200);
}

async function fillPreset(page: Page, target: 'Keycloak' | 'GitLab', fields: Record<string, string>): Promise<void> {
  const c = controls(page);
  await waitForFileRead(page);
  await c.target.selectOption({ label: target });
  for (const [label, value] of Object.entries(fields)) {
    await page.getByLabel(label, { exact: true }).fill(value);
  }
  await page.getByLabel(Object.keys(fields).at(-1)!, { exact: true }).press('Tab');
  await waitForFileRead(page);
  await expect(c.rowsTable.getByText('invalid', { exact: true })).toHaveCount(0);
}

async function runImport(page: Page, what: string): Promise<ReportRow[]> {
  await clickStart(page);
  await waitForRunEnd(page, { overallMs: 60_000, what });
  const report = await downloadReport(page);
  test.info().annotations.push({ type: 'statuses', description: tally(report) });
  return report;
}

interface User {
  username: string;
  email: string | null;
  password: string | null;
  seeded: boolean;
}

test.describe('an account that is there but not the row\'s is a conflict', () => {
  test('Keycloak: an address taken by another user name is a conflict naming the user name and address of the row, not exists', async ({ page, sandbox }) => {
    await seed({ keycloak: [{ realm: 'roster', username: 'jane', email: 'shared@example.com', password: 'Seeded-pw-1' }] });
    const file = 'username,email,password,name\njohn,shared@example.com,Pw-john-x7Q!,John Doe\nann,ann@example.com,Pw-ann-x7Q!,Ann Lee\n';

    await openApp(page);
    await loadFile(page, writeFixture('keycloak-conflict.csv', file));
    await fillPreset(page, 'Keycloak', {
      'Server URL': sandbox.apiUrl,
      Realm: 'roster',
      // The sandbox's public client whose Web Origins allow any page (admin-cli allows none).
      'Client ID': 'roster',
      Login: 'admin',
      Password: 'admin',
    });
    const report = await runImport(page, 'the Keycloak run with a taken address');
    expect(report.map((r) => r.status), describeOddRows(report)).toEqual(['rejected', 'created']);
    const conflict = report[0].message;
    expect(conflict).toMatch(/^Conflict: /);
    expect(conflict).toContain('belongs to another Keycloak user');
    expect(conflict).toContain('User exists with same email');
    expect(conflict).toContain('user name "john"');
    expect(conflict).toContain('shared@example.com');
    // Both user names: the other account's, found by the preset's look-up (GET
    // /admin/realms/roster/users?email=…&exact=true after the 409), and the row's.
    expect(conflict).toContain('The other account is "jane"');

    const users = (await sandboxState()).keycloak as { users: User[] };
    expect(users.users.map((u) => u.username).sort()).toEqual(['ann', 'jane']);
    const jane = users.users.find((u) => u.username === 'jane')!;
    expect(jane.password, 'the other user keeps its password').toBe('Seeded-pw-1');
  });

  test('GitLab: the user name is read first; another person\'s address or account is a conflict', async ({ page, sandbox }) => {
    await seed({
      gitlab: [
        { email: 'john@a.example.com', username: 'john', name: 'John A', password: 'Seeded-pw-1' },
        { email: 'same@example.com', username: 'same', name: 'Same One', password: 'Seeded-pw-2' },
        { email: 'jd@example.com', username: 'jd', name: 'J D', password: 'Seeded-pw-3', secondary_emails: ['second@example.com'] },
      ],
    });
    const file = [
      'username,email,password,name',
      // The user name is john's, with another address.
      'john,john@b.example.com,Pw-john-x7Q!,John B',
      // The row's own account, already there.
      'same,SAME@example.com,Pw-same-x7Q!,Same One',
      // A free user name whose address is jd's secondary address.
      'newbie,second@example.com,Pw-newbie-x7Q!,New Bie',
      'fresh,fresh@example.com,Pw-fresh-x7Q!,Fresh One',
    ].join('\n') + '\n';

    await openApp(page);
    await loadFile(page, writeFixture('gitlab-conflict.csv', file));
    await fillPreset(page, 'GitLab', { 'Server URL': sandbox.apiUrl, 'Access token': 'glpat-sandbox-admin' });
    const report = await runImport(page, 'the GitLab run with taken identities');
    expect(report.map((r) => r.status), describeOddRows(report)).toEqual(['rejected', 'exists', 'rejected', 'created']);
    expect(report[0].message).toMatch(/^Conflict: /);
    expect(report[0].message).toContain('john@a.example.com');
    expect(report[0].message).toContain('john@b.example.com');
    expect(report[2].message).toMatch(/^Conflict: /);
    expect(report[2].message).toContain('Email has already been taken');
    expect(report[2].message).toContain('user name "newbie"');
    // Both user names: jd's, found by the preset's look-up (GET /api/v4/users?search=
    // <address>, which matches a secondary address for an admin), and the row's.
    expect(report[2].message).toContain('The other account is "jd"');

    const gitlab = (await sandboxState()).gitlab as { users: User[]; create_calls: number };
    // Only the free row and the secondary-address row were POSTed.
    expect(gitlab.create_calls).toBe(2);
    expect(gitlab.users.map((u) => u.username).sort()).toEqual(['fresh', 'jd', 'john', 'same']);
    expect(gitlab.users.find((u) => u.username === 'john')!.password).toBe('Seeded-pw-1');
  });
});
