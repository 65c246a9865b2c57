/**
 * End-to-end: "Check" and "Dry run" before an Aurora import. The check lists what the
 * server holds (existing rows are then not sent) and warns about unregistered domains;
 * the dry run shows the requests with secrets masked and sends nothing.
 */
import { test, expect } from '../lib/fixtures';
import { sandboxState, seedSandbox } from '../lib/sandbox';
import { writeFixture } from '../lib/files';
import { controls, loadFile, openApp, readRows, startImport, statusWord, waitForImportFinished } from '../lib/app';

const FILE = [
  'old@localhost | pw-old-1',
  'new1@localhost | pw-new-1',
  'new2@example.com | pw-new-2',
  'far@unregistered.test | pw-far-3',
].join('\n');

test.describe('pre-flight', () => {
  test('check marks existing rows without sending them and warns about unregistered domains', async ({ page, sandbox }) => {
    await seedSandbox({ aurora: ['old@localhost', 'someone.else@localhost'] });
    await openApp(page);
    await loadFile(page, writeFixture('cr.txt', FILE));
    const c = controls(page);
    await c.serverUrl.fill(sandbox.auroraServerUrl);
    await c.password.fill('12345');
    await page.getByRole('button', { name: 'Check' }).click();

    const results = page.getByRole('list', { name: 'Check results' });
    await expect(results).toContainText('The server holds 2 accounts; 1 of this file\'s rows');
    await expect(results).toContainText('unregistered.test (1 rows)');
    expect((await sandboxState()).aurora.create_calls).toBe(0);

    await startImport(page);
    await waitForImportFinished(page, 4);
    const rows = await readRows(page);
    expect(rows.map((r) => statusWord(r.Status))).toEqual(['exists', 'created', 'created', 'created']);
    expect(rows[0].Message).toContain('found by the check');
    const state = await sandboxState();
    expect(state.aurora.create_calls).toBe(3);
    expect(state.aurora.users.map((u) => u.public_id).sort()).toEqual(
      ['far@unregistered.test', 'new1@localhost', 'new2@example.com', 'old@localhost', 'someone.else@localhost'].sort(),
    );
  });

  test('check with a wrong password says so next to the login fields', async ({ page, sandbox }) => {
    await openApp(page);
    await loadFile(page, writeFixture('cr.txt', FILE));
    const c = controls(page);
    await c.serverUrl.fill(sandbox.auroraServerUrl);
    await c.password.fill('not-it');
    await page.getByRole('button', { name: 'Check' }).click();
    await expect(page.getByRole('alert').filter({ hasText: /wrong login or password/i })).toBeVisible();
    expect((await sandboxState()).aurora.create_calls).toBe(0);
  });

  test('dry run shows the exact requests with secrets masked and sends nothing', async ({ page, sandbox }) => {
    await openApp(page);
    await loadFile(page, writeFixture('cr.txt', FILE));
    const c = controls(page);
    await c.serverUrl.fill(sandbox.auroraServerUrl);
    await c.password.fill('12345');
    await page.getByRole('button', { name: 'Dry run' }).click();
    const preview = page.getByRole('group').filter({ hasText: 'Dry run' });
    await expect(preview).toContainText('Method=LoginAsSuperadmin');
    await expect(preview).toContainText('Method=CreateUser');
    await expect(preview).toContainText('"PublicId":"new1@localhost"');
    await expect(preview).toContainText('Authorization: Bearer ••••••••');
    const html = await page.content();
    for (const secret of ['12345', 'pw-old-1', 'pw-new-1', 'pw-new-2', 'pw-far-3']) {
      expect(html, `${secret} must not appear`).not.toContain(secret);
    }
    const state = await sandboxState();
    expect(state.aurora.create_calls).toBe(0);
    expect(state.aurora.logins).toBe(0);
  });
});
