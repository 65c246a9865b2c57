/**
 * End-to-end: an edit while the rows are checked again. A setting change re-checks a
 * large file's rows in slices over many tasks ("Checking rows… N%"); the row editor
 * stays usable meanwhile. An edit saved during that re-check must end in the right
 * duplicate verdict once it is over: before, the edit went to the plan being replaced
 * and to the half-built duplicate index, and the re-check's plan (planned from the old
 * cell) replaced it: two rows with one address both ready.
 *
 * The editor is opened and filled first; the setting is changed, then the edit saved.
 * The CPU is slowed (Chromium's CPU throttling, through the DevTools protocol) so that
 * the re-check of 300,000 rows outlasts those two clicks; the test checks that the
 * re-check was still under way when the edit was saved.
 */
import { test, expect } from '../lib/fixtures';
import { writeFixture } from '../lib/files';
import { loadFile, openApp, readRows, statusWord, waitForFileRead } from '../lib/app';
import { expectCounts } from '../lib/input';

test('an edit saved while a large file is re-checked ends in the right duplicate verdict', async ({ page }) => {
  test.setTimeout(180_000);
  const n = 300_000;
  const lines = ['email,password'];
  for (let k = 1; k <= n; k++) lines.push(`user${k}@example.com,pw-${k}`);
  await openApp(page);
  await loadFile(page, writeFixture('recheck-edit.csv', lines.join('\n') + '\n'));
  await expectCounts(page, n, 0, 0);

  const cdp = await page.context().newCDPSession(page);
  const progress = page.getByRole('progressbar', { name: 'Reading progress' });
  /** Line 3's address set to `email` and saved while a re-check runs (started by the
   * setting that re-checks every row and changes no verdict of this file). */
  async function editDuringRecheck(email: string, accept: boolean): Promise<void> {
    await page.getByRole('button', { name: 'Edit line 3', exact: true }).click();
    const form = page.getByRole('form', { name: 'Edit line 3' });
    await form.getByLabel('email', { exact: true }).fill(email);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    await page.getByLabel('Accept domains without a dot').setChecked(accept);
    await expect(progress).toBeVisible();
    await form.getByRole('button', { name: 'Save row' }).click();
    await expect(progress, 'the edit was saved while the re-check ran').toBeVisible({ timeout: 1 });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
    await expect(form).toBeHidden();
    await waitForFileRead(page);
  }

  // Line 3 (user2) takes line 2's address while the rows are checked.
  await editDuringRecheck('user1@example.com', true);

  // Both rows with the address are duplicates; every other row is ready.
  await expectCounts(page, n - 2, 2, 0);
  const rows = await readRows(page);
  expect(rows[0].Email).toBe('user1@example.com');
  expect(rows[1].Email).toBe('user1@example.com');
  expect(statusWord(rows[0].Status)).toBe('invalid');
  expect(statusWord(rows[1].Status)).toBe('invalid');
  expect(rows[0].Message).toMatch(/appears more than once.*line 3/);
  expect(rows[1].Message).toMatch(/appears more than once.*line 2/);
  expect(statusWord(rows[2].Status)).toBe('ready');

  // Edited back while another re-check runs: no row is a duplicate any more.
  await editDuringRecheck('user2@example.com', false);
  await expectCounts(page, n, 0, 0);
  const again = await readRows(page);
  expect(again[1].Email).toBe('user2@example.com');
  expect(statusWord(again[0].Status)).toBe('ready');
  expect(statusWord(again[1].Status)).toBe('ready');
});
