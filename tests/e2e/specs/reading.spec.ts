/**
 * End-to-end: files as real users make them (issue 11). A quote that never closes is
 * named in the summary and on its row, and one click reads the file again with stray
 * quotes taken literally; UTF-16 without a byte-order mark; the validation gaps (a
 * domain without a dot, a formula for an address, a too-long value, duplicates); a
 * header-only file; and a Dry run that always shows the current file.
 */
import * as fs from 'node:fs';
import { test, expect } from '../lib/fixtures';
import { writeFixture } from '../lib/files';
import { controls, openApp, waitForFileRead } from '../lib/app';
import { dropFile, expectCounts, fixturePath, inputControls } from '../lib/input';

const summary = (page: import('@playwright/test').Page) => page.getByText(/^unclosed-quote\.csv: /);

test.describe('reading', () => {
  test('an unclosed quote is named on line 5001, and a lenient re-read gives all 10000 rows', async ({
    page,
    consoleErrors,
  }) => {
    await openApp(page);
    await dropFile(page, 'unclosed-quote.csv', fs.readFileSync(fixturePath('unclosed-quote.csv')));
    await waitForFileRead(page);
    await expect(summary(page)).toContainText('unclosed-quote.csv: 5000 rows (4999 ready, 1 invalid, 0 excluded)');
    await expect(summary(page)).toContainText(
      'Not read cleanly: line 5001: a quote opens here and never closes, so the 5000 lines after it (to the end of the file) were read into this one row.',
    );
    await expectCounts(page, 4999, 1, 0);

    // The row says why too.
    await inputControls(page).onlyProblems.check();
    const rows = controls(page).rowsTable;
    await expect(rows).toContainText('user5000@example.com');
    await expect(rows).toContainText('line 5001: a quote opens here and never closes');
    await inputControls(page).onlyProblems.uncheck();

    await page.getByRole('button', { name: 'Re-read with stray quotes taken literally' }).click();
    await waitForFileRead(page);
    await expect(summary(page)).toContainText('unclosed-quote.csv: 10000 rows (10000 ready, 0 invalid, 0 excluded)');
    await expect(summary(page)).toContainText('Stray quotes were taken literally.');
    await expect(summary(page)).not.toContainText('Not read cleanly');
    await expectCounts(page, 10000, 0, 0);
    await expect(page.getByRole('button', { name: 'Re-read with stray quotes taken literally' })).toBeHidden();

    // And back.
    await page.getByRole('button', { name: 'Read quotes strictly again' }).click();
    await waitForFileRead(page);
    await expectCounts(page, 4999, 1, 0);
    expect(consoleErrors).toEqual([]);
  });

  test('UTF-16 without a byte-order mark is read, and can be forced', async ({ page }) => {
    await openApp(page);
    await dropFile(page, 'utf16be-no-bom.txt', fs.readFileSync(fixturePath('utf16be-no-bom.txt')), 'text/plain');
    await waitForFileRead(page);
    await expect(inputControls(page).encoding).toHaveValue('utf-16be');
    await expect(page.getByText(/Encoding: UTF-16 BE\./)).toBeVisible();
    await expectCounts(page, 3, 0, 0);
    await expect(controls(page).rowsTable).toContainText('ivan@example.com');
    // Forcing the other byte order is offered (and reads garbage, so no address is valid).
    await inputControls(page).encoding.selectOption({ label: 'UTF-16 LE' });
    await waitForFileRead(page);
    await expect(page.getByText(/Encoding: UTF-16 LE\./)).toBeVisible();
  });

  test('a UTF-8 file is read again from the text kept in place of its bytes, byte for byte', async ({ page }) => {
    await openApp(page);
    // Clean UTF-8: once read, the page keeps the decoded text instead of the file's bytes.
    await dropFile(page, 'accents.csv', Buffer.from('email,password\nrené@x.example,pw-1\nann@x.example,pw-2\n', 'utf8'), 'text/csv');
    await waitForFileRead(page);
    await expect(inputControls(page).encoding).toHaveValue('utf-8');
    await expect(controls(page).rowsTable).toContainText('rené@x.example');
    // Windows-1252 reads the same bytes as two characters for the é.
    await inputControls(page).encoding.selectOption({ label: 'Windows-1252' });
    await waitForFileRead(page);
    await expect(controls(page).rowsTable).toContainText('renÃ©@x.example');
    // And back: the same file again.
    await inputControls(page).encoding.selectOption({ label: 'UTF-8' });
    await waitForFileRead(page);
    await expect(controls(page).rowsTable).toContainText('rené@x.example');
    await expect(controls(page).rowsTable).not.toContainText('Ã');
  });

  test('validation: a dotless domain is a warning to accept, one address rule, length limits, duplicates', async ({
    page,
  }) => {
    await openApp(page);
    await dropFile(page, 'validation.csv', fs.readFileSync(fixturePath('validation.csv')));
    await waitForFileRead(page);
    // ok, admin@localhost valid; x@example (warning), formula, too long, and both duplicates invalid.
    await expectCounts(page, 2, 5, 0);
    const rows = controls(page).rowsTable;
    await expect(rows).toContainText('the domain "example" has no dot');
    await expect(rows).toContainText('has characters an address cannot hold before the @');
    await expect(rows).toContainText('is 300 characters long; at most 255 are accepted');

    await page.getByLabel('Accept domains without a dot').check();
    await expectCounts(page, 3, 4, 0);

    await page.getByRole('button', { name: 'Keep the first of each duplicate' }).click();
    await expectCounts(page, 4, 2, 1);
    await expect(page.getByText('Excluded 1 row whose address appears earlier in the file.')).toBeVisible();
  });

  test('a header-only file says it has a header but no rows', async ({ page }) => {
    await openApp(page);
    await dropFile(page, 'header-only.csv', fs.readFileSync(fixturePath('header-only.csv')));
    await expect(page.getByRole('alert')).toContainText(
      'header-only.csv: The file has a header but no rows: add one line per account below the header.',
    );
  });

  test('Dry run shows the current file after a new file is loaded', async ({ page, sandbox }) => {
    await openApp(page);
    const c = controls(page);
    await c.chooseFile.setInputFiles(writeFixture('first.txt', 'first-file@localhost | pw-first-1\n'));
    await waitForFileRead(page);
    await c.serverUrl.fill(sandbox.auroraServerUrl);
    await c.password.fill('12345');
    await page.getByRole('button', { name: 'Dry run' }).click();
    const preview = page.getByRole('group').filter({ hasText: 'Dry run:' });
    await expect(preview).toContainText('first-file@localhost');

    await c.chooseFile.setInputFiles(writeFixture('second.txt', 'second-file@localhost | pw-second-1\n'));
    await waitForFileRead(page);
    await expect(page.getByText('second-file@localhost').first()).toBeVisible();
    // The old requests are gone with the old plan.
    await expect(page.getByText('first-file@localhost')).toHaveCount(0);
    await page.getByRole('button', { name: 'Dry run' }).click();
    await expect(preview).toContainText('second-file@localhost');
    await expect(preview).not.toContainText('first-file@localhost');
  });

  test('a Package ID being typed re-checks the rows before the field is left', async ({ page }) => {
    await openApp(page);
    const c = controls(page);
    await c.chooseFile.setInputFiles(writeFixture('m.csv', 'name,email,password\nAnn,ann@example.com,pw-ann-1\n'));
    await waitForFileRead(page);
    await c.target.selectOption({ label: 'Mumara' });
    await expectCounts(page, 0, 1, 0);
    const packageId = page.getByLabel('Package ID');
    await packageId.click();
    await packageId.pressSequentially('2');
    await expectCounts(page, 1, 0, 0);
    await expect(packageId).toBeFocused();
  });

  test('a default the target refuses is said while it is typed, and no longer once it is fixed', async ({ page }) => {
    await openApp(page);
    const c = controls(page);
    await c.chooseFile.setInputFiles(writeFixture('r.csv', 'email,password\nann@example.com,pw-ann-1\n'));
    await waitForFileRead(page);
    const role = page.getByLabel('Default role');
    await role.fill('9');
    await expect(page.getByRole('alert').filter({ hasText: 'Default role must be a whole number from 1 to 3.' })).toBeVisible();
    await role.fill('3');
    await expect(page.getByText('Default role must be a whole number')).toHaveCount(0);
    await c.target.selectOption({ label: 'Mumara' });
    const packageId = page.getByLabel('Package ID');
    await packageId.fill('0');
    await expect(page.getByRole('alert').filter({ hasText: 'Package ID "0" is not a positive number.' })).toBeVisible();
  });
});
