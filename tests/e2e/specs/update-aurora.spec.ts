/**
 * End-to-end (issue 24, "Create or update, with a preview") against the sandbox's Aurora:
 * Core.GetUsers finds the existing account, the preview shows its role old → new,
 * Cancel sends nothing, and once confirmed Core.UpdateUser changes the role and nothing
 * else (Aurora's update never changes passwords, and the page says why instead of
 * offering the box).
 */
import { test, expect } from '../lib/fixtures';
import { sandboxState, seedSandbox } from '../lib/sandbox';
import { writeFixture } from '../lib/files';
import { controls, fillAurora, loadFile, openApp } from '../lib/app';
import { clickStart, waitForRunEnd } from '../lib/watchdog';
import { describeOddRows, downloadReport } from '../lib/report';

const FILE =
  'email,password,role\n' + 'ann@example.com,New-pass-ann,1\n' + 'bob@example.com,New-pass-bob,2\n';

test.describe('existing accounts on the sandbox Aurora', () => {
  test('Update: the role old → new in the preview, Cancel sends nothing, Confirm changes the role only', async ({
    page,
    sandbox,
  }) => {
    await seedSandbox({ aurora: [{ public_id: 'ann@example.com', password: 'Old-pass-ann', role: 2 }] });
    await openApp(page);
    await loadFile(page, writeFixture('aurora-update.csv', FILE));
    await fillAurora(page, { serverUrl: sandbox.auroraServerUrl, login: 'superadmin', password: '12345' });
    await expect(controls(page).rowsTable.getByText('invalid', { exact: true })).toHaveCount(0);
    const select = page.getByLabel('Existing accounts', { exact: true });
    await expect(select.locator('option')).toHaveText(['Skip', 'Update', 'Stop at the first']);
    await select.selectOption({ label: 'Update' });
    // No passwords box for Aurora: one sentence says why.
    await expect(page.getByLabel('Also set passwords of existing accounts')).toHaveCount(0);
    await expect(page.getByText("Aurora's update never changes passwords")).toBeVisible();

    await clickStart(page);
    const preview = page.getByRole('region', { name: 'Preview of the update' });
    await expect(preview).toContainText('Row 1: ann@example.com: role: "2" → "1"');
    await expect(preview).toContainText('Their passwords stay as they are.');
    await expect(preview).toContainText('1 row not on the server will be created.');
    await preview.getByRole('button', { name: 'Cancel' }).click();
    await expect(preview).toHaveCount(0);
    let state = await sandboxState();
    expect(state.aurora.create_calls, 'nothing created before the confirmation').toBe(0);
    expect(state.aurora.update_calls, 'nothing updated before the confirmation').toBe(0);
    expect(state.aurora.users.map((u) => [u.public_id, u.role])).toEqual([['ann@example.com', 2]]);

    await clickStart(page);
    await preview.getByRole('button', { name: 'Update 1 account and start' }).click();
    await waitForRunEnd(page, { overallMs: 60_000, what: 'the Aurora update run' });
    const report = await downloadReport(page);
    expect(report.map((r) => r.status), describeOddRows(report)).toEqual(['updated', 'created']);
    // The legend says the update in the same word as the report.
    await expect(page.getByRole('list', { name: 'Outcome of the rows to send' }).getByRole('listitem')).toHaveText([
      'created: 1',
      'updated: 1',
      'exists: 0',
      'problems: 0',
      'not sent: 0',
    ]);
    state = await sandboxState();
    const ann = state.aurora.users.find((u) => u.public_id === 'ann@example.com')!;
    expect(ann.role).toBe(1);
    expect(ann.password, 'Aurora: the password stays').toBe('Old-pass-ann');
    expect(state.aurora.update_calls).toBe(1);
    expect(state.aurora.create_calls).toBe(1);
    expect(JSON.stringify(report)).not.toContain('New-pass');
  });
});
