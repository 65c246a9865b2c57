/**
 * End-to-end (issue 24, "Steps after a create"): a profile's requests after each create,
 * one per value of a `;`-separated column.
 *
 * - Matrix Synapse (the real one, started by global-setup.ts): a Rooms column joins each
 *   new account to its rooms through the admin API's join; membership is checked with
 *   Synapse's own admin API (room members). A room that does not exist fails that step:
 *   the account stays `created`, with a warning in its row and the report's steps column.
 * - Keycloak and GitLab (the sandbox's shapes): a Groups column adds each new user to its
 *   groups (Keycloak by group id, GitLab by id or path with the "Group access level"), and
 *   Keycloak's "Send an invitation e-mail instead of a password" sends execute-actions-email
 *   with UPDATE_PASSWORD after each create, instead of a password (rows need none, none is
 *   sent or generated); the sandbox's state says what happened. A page
 *   cannot read Keycloak's `Location`, so the steps find each new user's id first.
 * - The rows to retry hold a created account's failed steps (a group that did not exist
 *   yet); dropped back in, they are sent with no second create.
 */
import * as fs from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect } from '../lib/fixtures';
import { writeFixture } from '../lib/files';
import { controls, loadFile, openApp, waitForFileRead } from '../lib/app';
import { configureSandbox, sandboxState } from '../lib/sandbox';
import { clickStart, waitForRunEnd } from '../lib/watchdog';
import { describeOddRows, downloadReport, tally, type ReportRow } from '../lib/report';
import { call, registerUser, runTag, synapseUrl } from '../lib/synapse';

const STAFF = '5b0f3c7e-1d2a-4c4e-9f00-000000000001';
const STUDENTS = '5b0f3c7e-1d2a-4c4e-9f00-000000000002';
/** A group the admin makes between a run and its rows to retry. */
const LATE = '5b0f3c7e-1d2a-4c4e-9f00-000000000003';

async function choose(page: Page, target: string, fields: Record<string, string>): Promise<void> {
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
  await waitForRunEnd(page, { overallMs: 90_000, what });
  const report = await downloadReport(page);
  test.info().annotations.push({ type: 'statuses', description: tally(report) });
  return report;
}

test.describe('steps after a create', () => {
  test('Synapse: new accounts join their rooms; a room that does not exist is a warning', async ({ page }) => {
    test.setTimeout(150_000);
    const url = synapseUrl();
    const tag = runTag();
    const admin = await registerUser(`stepadmin-${tag}`, `Admin-pw-${tag}`, { admin: true });
    // Two rooms the admin creates (and is in): one by alias, one by id.
    const lobby = await call<{ room_id: string }>('POST', '/_matrix/client/v3/createRoom', {
      token: admin.accessToken,
      body: { preset: 'public_chat', room_alias_name: `lobby-${tag}`, name: 'Lobby' },
    });
    expect(lobby.status, JSON.stringify(lobby.body)).toBe(200);
    const team = await call<{ room_id: string }>('POST', '/_matrix/client/v3/createRoom', {
      token: admin.accessToken,
      body: { preset: 'public_chat', name: 'Team' },
    });
    expect(team.status, JSON.stringify(team.body)).toBe(200);
    const server = admin.serverName;
    const alias = `#lobby-${tag}:${server}`;
    const missing = `#nowhere-${tag}:${server}`;
    const rows = [
      { username: `ann-${tag}`, rooms: `${alias}; ${team.body.room_id}` },
      { username: `bob-${tag}`, rooms: `${alias};${missing}` },
    ];
    const file =
      ['username,password,name,Rooms', ...rows.map((r, i) => `${r.username},Pw-${i}-${tag}-x7Q!,Person ${i},${r.rooms}`)].join('\n') + '\n';

    await openApp(page);
    await loadFile(page, writeFixture('synapse-rooms.csv', file));
    await choose(page, 'Matrix Synapse', { 'Server URL': url, 'Access token': admin.accessToken });
    const report = await runImport(page, 'the Synapse run with rooms');
    expect(report.map((r) => r.status), describeOddRows(report)).toEqual(['created', 'created']);
    expect(report[0].message).toBe('');
    expect(report[1].message).toContain('Warning: the account was created, but 1 of 2 steps failed');
    expect(report[1].message).toContain(missing);
    await expect(page.getByRole('status', { name: 'Steps after create' })).toContainText('Steps after create: 3 done, 1 failed');

    // Synapse's own word on who is in each room.
    const members = async (room: string) => {
      const got = await call<{ members: string[] }>('GET', `/_synapse/admin/v1/rooms/${encodeURIComponent(room)}/members`, {
        token: admin.accessToken,
      });
      expect(got.status, JSON.stringify(got.body)).toBe(200);
      return got.body.members;
    };
    const ann = `@ann-${tag}:${server}`;
    const bob = `@bob-${tag}:${server}`;
    expect(await members(lobby.body.room_id)).toEqual(expect.arrayContaining([ann, bob]));
    const inTeam = await members(team.body.room_id);
    expect(inTeam).toContain(ann);
    expect(inTeam).not.toContain(bob);
  });

  test('Keycloak: users join their groups by id, a missing group is a warning, the invitation e-mail goes', async ({ page, sandbox }) => {
    test.setTimeout(120_000);
    const file =
      [
        'username,email,password,name,Groups',
        `kca,kca@example.com,Pw-kca-x7Q!,Kay A,${STAFF};${STUDENTS}`,
        `kcb,kcb@example.com,Pw-kcb-x7Q!,Kay B,no-such-group`,
        `kcc,kcc@example.com,Pw-kcc-x7Q!,Kay C,`,
      ].join('\n') + '\n';
    await openApp(page);
    await loadFile(page, writeFixture('keycloak-groups.csv', file));
    await choose(page, 'Keycloak', {
      'Server URL': sandbox.apiUrl,
      Realm: 'roster',
      Login: 'admin',
      Password: 'admin',
      'Client ID': 'roster',
      'Send an invitation e-mail instead of a password': 'yes',
    });
    const report = await runImport(page, 'the Keycloak run with groups');
    expect(report.map((r) => r.status), describeOddRows(report)).toEqual(['created', 'created', 'created']);
    // A page cannot read Keycloak's Location: each row's steps first find its id by user
    // name (counted among the steps), then join the groups and send the invitation.
    expect(report[1].message).toContain('Warning: the account was created, but 1 of 3 steps failed: Join group no-such-group: failed');
    await expect(page.getByRole('status', { name: 'Steps after create' })).toContainText('Steps after create: 8 done, 1 failed');

    const kc = (await sandboxState()).keycloak as {
      memberships: { username: string; group_id: string }[];
      emails: { username: string; actions: string[] }[];
    };
    // A row's steps may run side by side, so the order they reached the server is not fixed.
    const groupsOf = (u: string) => kc.memberships.filter((m) => m.username === u).map((m) => m.group_id).sort();
    expect(groupsOf('kca')).toEqual([STAFF, STUDENTS].sort());
    expect(groupsOf('kcb')).toEqual([]);
    expect(groupsOf('kcc')).toEqual([]);
    expect(kc.emails.map((e) => e.username).sort()).toEqual(['kca', 'kcb', 'kcc']);
    for (const e of kc.emails) expect(e.actions).toEqual(['UPDATE_PASSWORD']);
  });

  test('Keycloak: the invitation replaces the password (in updates too); a created row whose step failed is in the rows to retry', async ({ page, sandbox }) => {
    test.setTimeout(120_000);
    // kia gives a password (not sent), kib none (valid: the invitation sets it), kic a
    // group that does not exist (its account is created, its step fails).
    const file =
      [
        'username,email,password,name,Groups',
        `kia,kia@example.com,Pw-kia-x7Q!,Kay A,${STAFF}`,
        'kib,kib@example.com,,Kay B,',
        'kic,kic@example.com,,Kay C,no-such-group',
      ].join('\n') + '\n';
    await openApp(page);
    await loadFile(page, writeFixture('keycloak-invite.csv', file));
    const generate = page.getByRole('checkbox', { name: 'Generate passwords for rows without one' });
    await expect(generate).toBeVisible();
    await choose(page, 'Keycloak', {
      'Server URL': sandbox.apiUrl,
      Realm: 'roster',
      Login: 'admin',
      Password: 'admin',
      'Client ID': 'roster',
      'Send an invitation e-mail instead of a password': 'yes',
    });
    // Rows need no password (choose() checked none is invalid), none is generated, and
    // the file's are said not to be sent, once.
    await expect(generate).toHaveCount(0);
    await expect(page.getByText('Passwords in the file are not sent: an invitation e-mail is sent instead.')).toHaveCount(1);
    // The invitation replaces passwords: an update may not set them either.
    const existing = page.getByLabel('Existing accounts', { exact: true });
    await existing.selectOption({ label: 'Update' });
    await expect(page.getByText('An invitation e-mail replaces passwords: an update never sets the password of an existing account while it is on.')).toBeVisible();
    await expect(page.getByRole('checkbox', { name: 'Also set passwords of existing accounts' })).toHaveCount(0);
    await existing.selectOption({ label: 'Skip' });
    const report = await runImport(page, 'the Keycloak run with invitations');
    expect(report.map((r) => r.status), describeOddRows(report)).toEqual(['created', 'created', 'created']);
    expect(report[2].message).toContain('Join group no-such-group: failed');

    const kc = (await sandboxState()).keycloak as {
      users: { username: string; password: string | null }[];
      emails: { username: string; actions: string[] }[];
    };
    for (const u of kc.users.filter((x) => ['kia', 'kib', 'kic'].includes(x.username))) {
      expect(u.password, u.username).toBeNull();
    }
    expect(kc.emails.map((e) => e.username).sort()).toEqual(['kia', 'kib', 'kic']);
    // Nothing to hand out: no account got a password.
    await expect(page.getByRole('region', { name: 'Generated passwords' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Download passwords' })).toHaveCount(0);
    // The rows to retry hold kic with its failed step (the next test drops such a file
    // back in): nothing is left out, so no note says so.
    await expect(page.getByRole('note').filter({ hasText: 'with failed steps' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Download rows to retry' })).toBeVisible();
  });

  test('Keycloak: the rows to retry hold a failed group step; dropped back, it joins the group with no second create', async ({ page, sandbox }) => {
    test.setTimeout(150_000);
    // kra's second group does not exist yet (Keycloak answers 404 "Group not found"):
    // its account is created, that step fails.
    const file =
      [
        'username,email,password,name,Groups',
        `kra,kra@example.com,Pw-kra-x7Q!,Kay A,${STAFF};${LATE}`,
        `krb,krb@example.com,Pw-krb-x7Q!,Kay B,${STAFF}`,
      ].join('\n') + '\n';
    const form = { 'Server URL': sandbox.apiUrl, Realm: 'roster', Login: 'admin', Password: 'admin', 'Client ID': 'roster' };
    await openApp(page);
    await loadFile(page, writeFixture('keycloak-late-group.csv', file));
    await choose(page, 'Keycloak', form);
    const first = await runImport(page, 'the Keycloak run with a missing group');
    expect(first.map((r) => r.status), describeOddRows(first)).toEqual(['created', 'created']);
    expect(first[0].message).toContain(`Join group ${LATE}: failed`);

    // The rows to retry: kra, with its failed step in Roster's own last column.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download rows to retry', exact: true }).click(),
    ]);
    const retry = fs.readFileSync(await download.path(), 'utf8');
    expect(retry.split(/\r?\n/).filter(Boolean)).toEqual([
      'username,email,password,name,Groups,steps to retry',
      `kra,kra@example.com,Pw-kra-x7Q!,Kay A,${STAFF};${LATE},Join group: ${LATE}`,
    ]);

    // The admin makes the group, then drops the file back in and runs it.
    await configureSandbox({
      keycloak: {
        groups: [
          { id: STAFF, name: 'staff' },
          { id: STUDENTS, name: 'students' },
          { id: LATE, name: 'late' },
        ],
      },
    });
    await page.reload();
    await expect(controls(page).start).toBeVisible({ timeout: 20_000 });
    await loadFile(page, writeFixture('keycloak-late-group-retry.csv', retry));
    await choose(page, 'Keycloak', form);
    // Roster's column feeds no field: it is not offered in the mapping.
    const columns = page.getByRole('group', { name: 'Columns' });
    await expect(columns.getByRole('combobox')).toHaveCount(5);
    await expect(columns.getByLabel('steps to retry', { exact: true })).toHaveCount(0);
    // A Dry run shows no account to create for kra, and says why.
    await page.getByRole('button', { name: 'Dry run' }).click();
    await expect(page.getByRole('region', { name: 'Dry run preview' })).toContainText('this import would create 0 accounts');
    await expect(page.getByRole('list', { name: 'Check results' })).toContainText(
      '1 row comes from a rows-to-retry file with failed steps: no create is sent for it',
    );
    const second = await runImport(page, 'the rows to retry');
    expect(second.map((r) => r.status), describeOddRows(second)).toEqual(['created']);
    expect(second[0].message).toContain('not created again');
    expect(second[0].message).not.toContain('Warning');
    await expect(page.getByRole('status', { name: 'Steps after create' })).toContainText('Steps after create: 2 done.');

    const kc = (await sandboxState()).keycloak as {
      create_calls: number;
      memberships: { username: string; group_id: string }[];
    };
    // One create per account: the server never saw kra's twice.
    expect(kc.create_calls).toBe(2);
    expect(kc.memberships.filter((m) => m.username === 'kra').map((m) => m.group_id).sort()).toEqual([STAFF, LATE].sort());
  });

  test('GitLab: users join their groups by id and by path with the chosen access level', async ({ page, sandbox }) => {
    test.setTimeout(120_000);
    const file =
      [
        'username,email,password,name,Groups',
        'gla,gla@example.com,Pw-gla-x7Q!,Gee A,31;staff/devs',
        'glb,glb@example.com,Pw-glb-x7Q!,Gee B,31',
      ].join('\n') + '\n';
    await openApp(page);
    await loadFile(page, writeFixture('gitlab-groups.csv', file));
    await choose(page, 'GitLab', {
      'Server URL': sandbox.apiUrl,
      'Access token': 'glpat-sandbox-admin',
      'Group access level': '40',
      'Send an invitation e-mail instead of a password': 'yes',
    });
    const report = await runImport(page, 'the GitLab run with groups');
    expect(report.map((r) => r.status), describeOddRows(report)).toEqual(['created', 'created']);
    for (const r of report) expect(r.message).toBe('');

    // The invitation goes with the create (reset_password): GitLab keeps no password.
    await expect(page.getByRole('status', { name: 'Steps after create' })).toContainText('Steps after create: 5 done.');
    const gl = (await sandboxState()).gitlab as {
      users: { id: number; username: string; password: string | null; reset_password_sent: boolean }[];
      members: { group_id: number; user_id: number; access_level: number }[];
    };
    const id = (u: string) => gl.users.find((x) => x.username === u)!.id;
    const groupsOf = (u: string) =>
      gl.members
        .filter((m) => m.user_id === id(u))
        .map((m) => [m.group_id, m.access_level])
        .sort((a, b) => Number(a[0]) - Number(b[0]));
    expect(groupsOf('gla')).toEqual([[31, 40], [32, 40]]);
    expect(groupsOf('glb')).toEqual([[31, 40]]);
    for (const u of gl.users.filter((x) => ['gla', 'glb'].includes(x.username))) {
      expect(u.reset_password_sent, u.username).toBe(true);
      expect(u.password, u.username).toBeNull();
    }
  });
});
