/**
 * End-to-end (issue 24, "Create or update, with a preview") against the sandbox's GitLab
 * shape (`PUT /api/v4/users/:id`, crates/sandbox/src/gitlab): Update previews the
 * accounts that change and updates them once confirmed, leaving their passwords unless
 * the box is ticked; Cancel sends nothing; "Stop at the first" stops at the first existing
 * account, naming it, with the rows after it not sent; Mumara does not offer Update, and
 * says why.
 */
import type { Page } from '@playwright/test';
import { test, expect } from '../lib/fixtures';
import { apiUrl, sandboxState } from '../lib/sandbox';
import { writeFixture } from '../lib/files';
import { controls, loadFile, openApp, waitForFileRead } from '../lib/app';
import { clickStart, waitForRunEnd } from '../lib/watchdog';
import { describeOddRows, downloadReport } from '../lib/report';

const GITLAB_TOKEN = 'glpat-sandbox-admin';

interface GitlabUser {
  username: string;
  name: string;
  password: string | null;
}

async function seedGitlab(users: unknown[]): Promise<void> {
  const res = await fetch(`${apiUrl()}/_sandbox/seed`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ gitlab: users }),
  });
  expect(res.status, await res.text()).toBe(200);
}

async function gitlabUsers(): Promise<{ users: GitlabUser[]; update_calls: number; create_calls: number }> {
  return (await sandboxState()).gitlab as { users: GitlabUser[]; update_calls: number; create_calls: number };
}

const FILE =
  'username,email,password,name\n' +
  'ann,ann@example.com,New-pass-ann,Ann Lee\n' +
  'bob,bob@example.com,New-pass-bob,Bob Stone\n' +
  'cid,cid@example.com,New-pass-cid,Cid\n';

async function prepare(page: Page, existing: 'Update' | 'Stop at the first'): Promise<void> {
  await seedGitlab([{ email: 'ann@example.com', username: 'ann', name: 'Ann', password: 'Old-pass-ann' }]);
  await openApp(page);
  await loadFile(page, writeFixture('gitlab-update.csv', FILE));
  const c = controls(page);
  await waitForFileRead(page);
  await c.target.selectOption({ label: 'GitLab' });
  await page.getByLabel('Server URL', { exact: true }).fill(apiUrl());
  await page.getByLabel('Access token', { exact: true }).fill(GITLAB_TOKEN);
  await page.getByLabel('Access token', { exact: true }).press('Tab');
  await waitForFileRead(page);
  await expect(c.rowsTable.getByText('invalid', { exact: true })).toHaveCount(0);
  await page.getByLabel('Existing accounts', { exact: true }).selectOption({ label: existing });
}

test.describe('existing accounts on the sandbox GitLab', () => {
  test('Update: the preview, Cancel sends nothing, Confirm updates and keeps the password', async ({ page, sandbox }) => {
    await prepare(page, 'Update');
    await clickStart(page);
    const preview = page.getByRole('region', { name: 'Preview of the update' });
    await expect(preview).toContainText('Row 1: ann: name: "Ann" → "Ann Lee"');
    await expect(preview).toContainText('2 rows not on the server will be created.');
    await preview.getByRole('button', { name: 'Cancel' }).click();
    await expect(preview).toHaveCount(0);
    let state = await gitlabUsers();
    expect(state.update_calls + state.create_calls, 'nothing sent before the confirmation').toBe(0);

    await clickStart(page);
    await preview.getByRole('button', { name: 'Update 1 account and start' }).click();
    await waitForRunEnd(page, { overallMs: 60_000, what: 'the GitLab update run' });
    const report = await downloadReport(page);
    expect(report.map((r) => r.status), describeOddRows(report)).toEqual(['updated', 'created', 'created']);
    state = await gitlabUsers();
    const ann = state.users.find((u) => u.username === 'ann')!;
    expect(ann.name).toBe('Ann Lee');
    expect(ann.password, 'unticked: the password stays').toBe('Old-pass-ann');
    expect(state.update_calls).toBe(1);
    expect(JSON.stringify(report)).not.toContain('New-pass');
  });

  test('Stop at the first: stops at the existing account, naming it; the rows after it are not sent', async ({ page, sandbox }) => {
    await prepare(page, 'Stop at the first');
    await clickStart(page);
    // The run stops (waitForRunEnd takes a stop for a failure: the stop is the point here).
    await expect(page.getByRole('alert').filter({ hasText: 'Stopped at the first existing account: ann (row 1)' })).toBeVisible({
      timeout: 60_000,
    });
    await expect(page.getByRole('status').filter({ hasText: 'Import stopped' })).toBeVisible();
    const report = await downloadReport(page);
    expect(report.map((r) => r.status), describeOddRows(report)).toEqual(['exists', 'skipped', 'skipped']);
    const state = await gitlabUsers();
    expect(state.create_calls + state.update_calls).toBe(0);
    expect(state.users.map((u) => u.username)).toEqual(['ann']);
  });

  test('Mumara does not offer Update, and says why', async ({ page }) => {
    await openApp(page);
    await controls(page).target.selectOption({ label: 'Mumara' });
    const select = page.getByLabel('Existing accounts', { exact: true });
    await expect(select.locator('option')).toHaveText(['Skip', 'Stop at the first']);
    await expect(page.getByText("Mumara's API documents no way to update an existing user")).toBeVisible();
  });
});
