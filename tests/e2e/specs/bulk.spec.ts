/**
 * End-to-end: fixing many rows at once, and errors where the eye is (issue 13).
 *  - The bulk actions act on the rows the table lists (the filters choose them):
 *    "Download invalid rows (CSV)", "Set … on listed rows" (a mapped field, and a field
 *    no column feeds, which gets a column), "Keep the first of each duplicate",
 *    "Exclude all invalid"; "Set on N selected rows" acts on the rows ticked Select.
 *  - An address is edited in its grid cell by keyboard (Enter to edit, Enter to save,
 *    F2 to edit, Esc to cancel): an invalid row turns valid at once.
 *  - Rows are numbered by their input line; a row's message names the column and the
 *    offending value; the pre-flight check's unregistered domain shows on its row.
 */
import * as fs from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect } from '../lib/fixtures';
import { seedSandbox } from '../lib/sandbox';
import { writeFixture } from '../lib/files';
import { parseCsv } from '../lib/csv';
import { controls, loadFile, openApp, readRows } from '../lib/app';
import { columnSelect, expectCounts, inputControls } from '../lib/input';

const FILE = [
  'email,password,role',
  'ann@x.example,pw-ann-1,2', // line 2: duplicate of line 5
  'bad address,pw-bad-2,2', // line 3: not an address
  'bob@x.example,pw-bob-3,9', // line 4: no such role
  'ANN@x.example,pw-ann-4,2', // line 5: duplicate of line 2
  '=HYPERLINK("x"),pw-evil-5,2', // line 6: not an address, formula-led
  'cyd@x.example,pw-cyd-6,2', // line 7: valid
].join('\n') + '\n';
const PASSWORDS = ['pw-ann-1', 'pw-bad-2', 'pw-bob-3', 'pw-ann-4', 'pw-evil-5', 'pw-cyd-6'];

async function focusedName(page: Page): Promise<string> {
  return page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? 'none');
}

/** The value of one field in the row editor of input line `line` (then closes it). */
async function editorValue(page: Page, line: number, column: string): Promise<string> {
  await page.getByRole('button', { name: `Edit line ${line}`, exact: true }).click();
  const form = page.getByRole('form', { name: `Edit line ${line}` });
  const value = await form.getByLabel(column, { exact: true }).inputValue();
  await form.getByRole('button', { name: 'Discard changes' }).click();
  await expect(form).toBeHidden();
  return value;
}

test('bulk actions on the listed rows, and a grid cell edit that makes a row valid', async ({ page }) => {
  await openApp(page);
  await loadFile(page, writeFixture('people.csv', FILE));
  await expectCounts(page, 1, 5, 0);
  const bulk = page.getByRole('group', { name: /listed row/ });
  await expect(bulk).toContainText('On the 6 listed rows:');

  // One numbering: the input line. The message names the column and the value.
  let rows = await readRows(page);
  expect(rows.map((r) => r.Line)).toEqual(['2', '3', '4', '5', '6', '7']);
  expect(rows[1].Message).toMatch(/^contains a space.* — email in column "email" = "bad address"$/);
  expect(rows[2].Message).toMatch(/^is no Role Roster knows.* — role in column "role" = "9"$/);

  // The invalid rows as CSV: line, problems, then every column the file had, passwords
  // included, to fix and drop back in (issue 27); every cell a spreadsheet would read as
  // a formula is guarded with a leading ' (the test below drops the file back in).
  const [d] = await Promise.all([
    page.waitForEvent('download'),
    bulk.getByRole('button', { name: 'Download invalid rows (CSV)', exact: true }).click(),
  ]);
  expect(d.suggestedFilename()).toMatch(/^people-invalid-rows-\d{8}-\d{6}\.csv$/);
  const text = fs.readFileSync(await d.path(), 'utf8');
  for (const p of PASSWORDS.slice(0, 5)) expect(text).toContain(p);
  expect(text).not.toContain('pw-cyd-6'); // line 7 is valid
  const records = parseCsv(text).filter((r) => r.length > 1);
  expect(records[0]).toEqual(['line', 'problems', 'email', 'password', 'role']);
  expect(records.slice(1).map((r) => r[0])).toEqual(['2', '3', '4', '5', '6']);
  expect(records[2][1]).toMatch(/^contains a space.* — email in column "email" = "bad address"$/);
  expect(records[2].slice(2)).toEqual(['bad address', 'pw-bad-2', '2']);
  expect(records[5][2]).toBe('\'=HYPERLINK("x")');
  expect(records[1][1]).toMatch(/appears more than once.*line 5/);

  // A grid cell, by keyboard: Enter edits, Enter saves; the row turns valid at once.
  const cell = page.getByRole('button', { name: /^email, line 3: / });
  await expect(cell).toHaveAccessibleName('email, line 3: bad address');
  await cell.focus();
  await page.keyboard.press('Enter');
  const field = page.getByRole('textbox', { name: 'email, line 3', exact: true });
  await expect(field).toBeFocused();
  await expect(field).toHaveValue('bad address');
  await field.fill('dee@x.example');
  await page.keyboard.press('Enter');
  await expect(field).toBeHidden();
  await expect.poll(() => focusedName(page)).toBe('email, line 3: dee@x.example');
  await expect(cell).toHaveText('dee@x.example');
  await expectCounts(page, 2, 4, 0);
  rows = await readRows(page);
  expect(rows[1].Status).toBe('ready');
  expect(rows[1].Message).toBe('');

  // F2 edits too, Esc cancels: nothing changes. ← → move between a row's controls.
  await page.keyboard.press('ArrowDown');
  await expect.poll(() => focusedName(page)).toBe('email, line 4: bob@x.example');
  await page.keyboard.press('ArrowRight');
  await expect.poll(() => focusedName(page)).toBe('password, line 4: ••••••••');
  await page.keyboard.press('ArrowRight');
  await expect.poll(() => focusedName(page)).toBe('Exclude line 4');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await expect.poll(() => focusedName(page)).toBe('email, line 4: bob@x.example');
  await page.keyboard.press('ArrowLeft');
  await expect.poll(() => focusedName(page)).toBe('Select line 4');
  await page.keyboard.press('ArrowRight');
  await expect.poll(() => focusedName(page)).toBe('email, line 4: bob@x.example');
  await page.keyboard.press('F2');
  const bobField = page.getByRole('textbox', { name: 'email, line 4', exact: true });
  await expect(bobField).toBeFocused();
  await bobField.fill('changed@x.example');
  await page.keyboard.press('Escape');
  await expect(bobField).toBeHidden();
  await expect(page.getByRole('button', { name: /^email, line 4: / })).toHaveText('bob@x.example');
  await expectCounts(page, 2, 4, 0);

  // Set a mapped field on the listed rows only: with "Only rows with problems" on, the
  // rows of lines 2, 4, 5 and 6 are listed; role 3 fixes line 4, line 7 keeps role 2.
  await inputControls(page).onlyProblems.check();
  await expect(bulk).toContainText('On the 4 listed rows:');
  await bulk.getByLabel('Set', { exact: true }).selectOption('role');
  await bulk.getByLabel('to', { exact: true }).fill('3');
  await bulk.getByRole('button', { name: 'Set on listed rows', exact: true }).click();
  await expect(bulk).toContainText('Set role to "3" on 4 rows.');
  await expectCounts(page, 3, 3, 0);
  // Line 4 is fixed, so it leaves the problems list.
  await expect(bulk).toContainText('On the 3 listed rows:');
  rows = await readRows(page);
  expect(rows.map((r) => r.Line)).toEqual(['2', '5', '6']);

  // Keep the first of each duplicate: line 5 goes, line 2 is valid again.
  await bulk.getByRole('button', { name: 'Keep the first of each duplicate', exact: true }).click();
  await expect(bulk).toContainText('Excluded 1 row whose address appears earlier in the file.');
  await expectCounts(page, 4, 1, 1);

  // Exclude all invalid: line 6 goes.
  await bulk.getByRole('button', { name: 'Exclude all invalid', exact: true }).click();
  await expect(bulk).toContainText('Excluded 1 invalid row.');
  await expectCounts(page, 4, 0, 2);
  await expect(bulk).toContainText('On the 0 listed rows:');

  // A field no column feeds: every listed row gets it, in a new column the mapping shows.
  await inputControls(page).onlyProblems.uncheck();
  await bulk.getByLabel('Set', { exact: true }).selectOption('quota_mb');
  await bulk.getByLabel('to', { exact: true }).fill('100');
  await bulk.getByRole('button', { name: 'Set on listed rows', exact: true }).click();
  await expect(bulk).toContainText('Set quota_mb to "100" on 6 rows.');
  await expect(columnSelect(page, 'quota_mb')).toHaveValue('quota_mb');
  await expectCounts(page, 4, 0, 2);
  expect(await editorValue(page, 7, 'quota_mb')).toBe('100');
  expect(await editorValue(page, 7, 'role')).toBe('2');
  expect(await editorValue(page, 4, 'role')).toBe('3');
  rows = await readRows(page);
  expect(rows.map((r) => r.Status)).toEqual(['ready', 'ready', 'ready', 'excluded', 'excluded', 'ready']);

  // Rows ticked Select: the Set acts on them only.
  await page.getByRole('checkbox', { name: 'Select line 3', exact: true }).check();
  await page.getByRole('checkbox', { name: 'Select line 7', exact: true }).check();
  await bulk.getByLabel('Set', { exact: true }).selectOption('role');
  await bulk.getByLabel('to', { exact: true }).fill('1');
  await bulk.getByRole('button', { name: 'Set on 2 selected rows', exact: true }).click();
  await expect(bulk).toContainText('Set role to "1" on 2 rows.');
  expect(await editorValue(page, 3, 'role')).toBe('1');
  expect(await editorValue(page, 7, 'role')).toBe('1');
  expect(await editorValue(page, 2, 'role')).toBe('3'); // from the Set on the problem rows, untouched now
  await bulk.getByRole('button', { name: 'Clear selection', exact: true }).click();
  await expect(page.getByRole('checkbox', { name: 'Select line 7', exact: true })).not.toBeChecked();
  await expect(bulk.getByRole('button', { name: 'Set on listed rows', exact: true })).toBeVisible();
});

test('the invalid rows file is guarded against formulas, and dropped back in reads each cell as given', async ({ page }) => {
  await openApp(page);
  await loadFile(page, writeFixture('people.csv', FILE));
  await expectCounts(page, 1, 5, 0);
  const [d] = await Promise.all([
    page.waitForEvent('download'),
    page
      .getByRole('group', { name: /listed row/ })
      .getByRole('button', { name: 'Download invalid rows (CSV)', exact: true })
      .click(),
  ]);
  const text = fs.readFileSync(await d.path(), 'utf8');
  const records = parseCsv(text).filter((r) => r.length > 1);
  // No cell of the file starts like a formula: the admin's own is guarded too.
  for (const r of records) for (const cell of r) expect(cell, JSON.stringify(cell)).not.toMatch(/^[=+\-@\t\r]/);
  expect(records[5].slice(2)).toEqual(['\'=HYPERLINK("x")', 'pw-evil-5', '2']);
  // Dropped back in, Roster takes its own guard off: line 6 holds the cell as given.
  await page.reload();
  await expect(controls(page).start).toBeVisible({ timeout: 20_000 });
  await loadFile(page, writeFixture('people-invalid-rows.csv', text));
  await expectCounts(page, 0, 5, 0);
  expect(await editorValue(page, 6, 'email')).toBe('=HYPERLINK("x")');
  expect(await editorValue(page, 3, 'email')).toBe('bad address');
});

test('the row editor marks the field with a problem', async ({ page }) => {
  await openApp(page);
  await loadFile(page, writeFixture('people.csv', FILE));
  await page.getByRole('button', { name: 'Edit line 4', exact: true }).click();
  const form = page.getByRole('form', { name: 'Edit line 4' });
  const role = form.getByLabel('role', { exact: true });
  await expect(role).toHaveAttribute('aria-invalid', 'true');
  await expect(role).toBeFocused();
  await expect(form.getByLabel('email', { exact: true })).not.toHaveAttribute('aria-invalid', 'true');
  // The key words first (issue 27); the value is in the field itself.
  await expect(role).toHaveAccessibleDescription(/^is no Role Roster knows/);
  await expect(role).toHaveValue('9');
});

test("Check's unregistered domain shows on the row it concerns", async ({ page, sandbox }) => {
  await seedSandbox({ aurora: ['someone@localhost'] });
  await openApp(page);
  await loadFile(page, writeFixture('cr.txt', 'new@localhost | pw-1\nfar@unregistered.test | pw-2\n'));
  const c = controls(page);
  await c.serverUrl.fill(sandbox.auroraServerUrl);
  await c.password.fill('12345');
  await page.getByRole('button', { name: 'Check' }).click();
  await expect(page.getByRole('list', { name: 'Check results' })).toContainText('unregistered.test (1 rows)');
  await expect.poll(async () => (await readRows(page))[1].Message).toContain(
    'Warning from Check: the server has no domain "unregistered.test"',
  );
  expect((await readRows(page))[0].Message).toBe('');

  // The problems filter lists the warned row: it is what the admin has to look at.
  await inputControls(page).onlyProblems.check();
  await expect.poll(async () => (await readRows(page)).map((r) => r.Email)).toEqual(['far@unregistered.test']);
  await inputControls(page).onlyProblems.uncheck();
  await expect.poll(async () => (await readRows(page)).length).toBe(2);
});

test('a password set in its grid cell: typed hidden, never shown, and the row turns valid', async ({ page }) => {
  await openApp(page);
  await loadFile(page, writeFixture('nopw.csv', 'email,password\nann@x.example,\nbob@x.example,pw-bob-1\n'));
  await expectCounts(page, 1, 1, 0);
  await expect(page.getByText(/^1 row to send\./)).toBeVisible();
  const cell = page.getByRole('button', { name: /^password, line 2: / });
  await expect(cell).toHaveAccessibleName('password, line 2: (none)');
  expect((await readRows(page))[0].Message).toMatch(/password/i);

  // Esc cancels: nothing is set.
  await cell.focus();
  await page.keyboard.press('F2');
  const field = page.getByRole('textbox', { name: 'password, line 2', exact: true });
  await expect(field).toBeFocused();
  await expect(field).toHaveAttribute('type', 'password');
  await expect(field).toHaveValue('');
  await field.fill('typed-then-dropped');
  await page.keyboard.press('Escape');
  await expect(field).toBeHidden();
  await expect.poll(() => focusedName(page)).toBe('password, line 2: (none)');
  await expectCounts(page, 1, 1, 0);

  // Enter saves: the row is valid, the cell shows the mask, the page holds no password.
  await page.keyboard.press('Enter');
  await expect(field).toBeFocused();
  await field.fill('pw-ann-new-9');
  await page.keyboard.press('Enter');
  await expect(field).toBeHidden();
  await expect.poll(() => focusedName(page)).toBe('password, line 2: ••••••••');
  await expectCounts(page, 2, 0, 0);
  await expect(page.getByText(/^2 rows to send\./)).toBeVisible();
  expect((await readRows(page))[0].Status).toBe('ready');
  const html = await page.content();
  for (const secret of ['pw-ann-new-9', 'typed-then-dropped', 'pw-bob-1']) expect(html).not.toContain(secret);

  // The other row's password opens empty too: an existing password is never shown.
  await page.getByRole('button', { name: 'password, line 3: ••••••••', exact: true }).click();
  await expect(page.getByRole('textbox', { name: 'password, line 3', exact: true })).toHaveValue('');
  await page.keyboard.press('Escape');
  await expectCounts(page, 2, 0, 0);
});
