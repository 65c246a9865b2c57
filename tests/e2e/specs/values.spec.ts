/**
 * End-to-end: values in words (issue 24). An HR export whose Role column says `user`,
 * `Tenant admin` and `Kunde` imports into the sandbox's Aurora with the right role
 * numbers (asserted on the sandbox's state); the word Roster does not know (`Chef`) makes
 * its row invalid with the whole message readable (over the rows on hover or focus, and
 * in the row editor) until the admin maps it in the Values panel, which remembers it.
 * Accessible names only.
 */
import { test, expect } from '../lib/fixtures';
import { seriousViolations, useAxe } from '../lib/a11y';
import { sandboxState } from '../lib/sandbox';
import {
  controls,
  fillAurora,
  openApp,
  readRows,
  startImport,
  statusWord,
  waitForFileRead,
  waitForImportFinished,
} from '../lib/app';
import { columnSelect, dropFile, expectCounts } from '../lib/input';

const SUPERADMIN = { login: 'superadmin', password: '12345' };

const HR = [
  'E-mail,Passwort,Role',
  'ann@example.com,Vw3-ann-pass,user',
  'bob@example.com,Vw3-bob-pass,Tenant admin',
  'cyd@example.com,Vw3-cyd-pass,Kunde',
  'dee@example.com,Vw3-dee-pass,Chef',
  'eve@example.com,Vw3-eve-pass,User',
  '',
].join('\r\n');

// The key words first, then the field, its column and the value (issue 27).
const CHEF_PROBLEM =
  'is no Role Roster knows (1 Tenant admin, 2 Normal user, 3 Customer): choose what it means under Values, below the columns — role in column "Role" = "Chef"';

function valueSelect(page: import('@playwright/test').Page, name: string) {
  return page.getByRole('group', { name: 'Values' }).getByRole('combobox', { name });
}

test.describe('values in words', () => {
  test('a Role column in words imports with the right roles; an unknown word is mapped in the panel and remembered', async ({
    page,
    sandbox,
    consoleErrors,
  }) => {
    await useAxe(page);
    await openApp(page);
    await dropFile(page, 'hr.csv', Buffer.from(HR, 'utf8'));
    await expect(controls(page).rowsTable).toBeVisible();
    await fillAurora(page, { serverUrl: sandbox.auroraServerUrl, ...SUPERADMIN });
    await waitForFileRead(page);
    await expect(columnSelect(page, 'Role')).toHaveValue('role');

    // The distinct words, each with a select: the obvious ones are on their role already.
    await expect(valueSelect(page, 'Role: user (2 rows)')).toHaveValue('2');
    await expect(valueSelect(page, 'Role: Tenant admin (1 row)')).toHaveValue('1');
    await expect(valueSelect(page, 'Role: Kunde (1 row)')).toHaveValue('3');
    const chef = valueSelect(page, 'Role: Chef (1 row)');
    await expect(chef).toHaveValue('');
    await expectCounts(page, 4, 1, 0);

    // The whole message: in the table's cell over the rows below on hover, and in full
    // in the row editor.
    const rows = await readRows(page);
    const dee = rows.find((r) => r.Email === 'dee@example.com')!;
    expect(statusWord(dee.Status)).toBe('invalid');
    const cell = controls(page)
      .rowsTable.getByRole('row')
      .filter({ hasText: 'dee@example.com' })
      .locator('td.message .clamp');
    await expect(cell).toContainText(CHEF_PROBLEM);
    const clamped = (await cell.boundingBox())!;
    const full = await cell.evaluate((e) => e.scrollHeight);
    expect(full, 'the message is longer than two lines here').toBeGreaterThan(clamped.height + 1);
    // Shown whole: nothing of it hidden (the open box is as wide as the cell, so its
    // lines may be fewer than the clamped text's).
    const whole = () => cell.evaluate((e) => e.scrollHeight <= e.clientHeight + 1 && getComputedStyle(e).position === 'absolute');
    await cell.hover();
    await expect.poll(whole).toBe(true);
    // The panel and the message shown whole: no serious axe violation.
    expect(await seriousViolations(page)).toEqual([]);
    await page.mouse.move(0, 0);
    // Focus in the row (its Edit button, by keyboard) shows it whole too.
    const edit = page.getByRole('button', { name: `Edit line ${dee.Line}`, exact: true });
    await edit.focus();
    await expect.poll(whole).toBe(true);
    await edit.press('Enter');
    const form = page.getByRole('form', { name: `Edit line ${dee.Line}` });
    await expect(form).toBeVisible();
    await expect(form.getByText(CHEF_PROBLEM, { exact: false }).first()).toBeVisible();
    await form.press('Escape');
    await expect(form).toBeHidden();

    // The admin maps Chef, by keyboard-operable select; every row is valid then.
    await chef.selectOption({ label: '1 Tenant admin' });
    await expect(chef).toHaveValue('1');
    await expectCounts(page, 5, 0, 0);

    await startImport(page);
    await waitForImportFinished(page, 5);
    const done = await readRows(page);
    expect(done.map((r) => statusWord(r.Status))).toEqual(['created', 'created', 'created', 'created', 'created']);
    const roles = Object.fromEntries((await sandboxState()).aurora.users.map((u) => [u.public_id, u.role]));
    expect(roles).toEqual({
      'ann@example.com': 2,
      'bob@example.com': 1,
      'cyd@example.com': 3,
      'dee@example.com': 1,
      'eve@example.com': 2,
    });

    // The value mapping is remembered with the columns for the next file of this header.
    await openApp(page);
    await dropFile(page, 'hr-again.csv', Buffer.from(HR, 'utf8'));
    await expect(controls(page).rowsTable).toBeVisible();
    await fillAurora(page, { serverUrl: sandbox.auroraServerUrl, ...SUPERADMIN });
    await waitForFileRead(page);
    await expect(valueSelect(page, 'Role: Chef (1 row)')).toHaveValue('1');
    await expectCounts(page, 5, 0, 0);
    expect(consoleErrors).toEqual([]);
  });
});
