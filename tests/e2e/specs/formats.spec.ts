/**
 * End-to-end: the formats admins already have (issue 21). Each vendor's file (made by
 * tests/fixtures/generate.py from the vendor's documented template) loads with its header
 * found and every column feeding the right field; the Google Workspace file imported into
 * the sandbox's Aurora creates its accounts with the file's own passwords; a password
 * column no header names is never used without the admin's confirmation; a quoted
 * password keeps its spaces on the way to the server. Accessible names only.
 */
import * as fs from 'node:fs';
import { test, expect } from '../lib/fixtures';
import { sandboxState } from '../lib/sandbox';
import { parseCsv } from '../lib/csv';
import {
  controls,
  expectNoPasswordsInPage,
  fillAurora,
  openApp,
  readRows,
  startImport,
  statusWord,
  waitForFileRead,
  waitForImportFinished,
} from '../lib/app';
import { columnSelect, dropFile, fixturePath } from '../lib/input';

const SUPERADMIN = { login: 'superadmin', password: '12345' };

/** The fixture's header and rows. */
function fixture(name: string): { header: string[]; rows: string[][]; bytes: Buffer } {
  const bytes = fs.readFileSync(fixturePath(name));
  let records = parseCsv(bytes.toString('utf8')).filter((r) => r.some((c) => c !== ''));
  if (records[0][0].startsWith('version:')) records = records.slice(1);
  return { header: records[0], rows: records.slice(1), bytes };
}

async function load(page: import('@playwright/test').Page, name: string): Promise<void> {
  await dropFile(page, name, fixture(name).bytes);
  await expect(controls(page).rowsTable).toBeVisible();
  await waitForFileRead(page);
}

/** Each named column's select holds the field (by its label; '' for not imported). */
async function expectMapping(page: import('@playwright/test').Page, want: Record<string, string>): Promise<void> {
  for (const [column, field] of Object.entries(want)) {
    await expect(columnSelect(page, column), column).toHaveValue(field);
  }
}

async function chooseTarget(page: import('@playwright/test').Page, label: string): Promise<void> {
  await waitForFileRead(page);
  await controls(page).target.selectOption({ label });
  await waitForFileRead(page);
}

test.describe('vendor formats map right, and a password is never guessed', () => {
  test('Google Workspace: header found, every field from its column, imported into Aurora with the file passwords', async ({
    page,
    sandbox,
  }) => {
    const { rows } = fixture('google-workspace.csv');
    const passwords = rows.map((r) => r[3]);
    await openApp(page);
    await load(page, 'google-workspace.csv');
    await expect(page.getByText('First line is a header.', { exact: false })).toBeVisible();
    await expect(page.getByText('No header line.', { exact: false })).toHaveCount(0);

    await chooseTarget(page, 'Mumara');
    await expectMapping(page, {
      'First Name [Required]': 'first_name',
      'Last Name [Required]': 'last_name',
      'Email Address [Required]': 'email',
      'Password [Required]': 'password',
      'Password Hash Function [UPLOAD ONLY]': '',
      'Home Secondary Email': '',
      'Recovery Phone [MUST BE IN THE E.164 FORMAT]': '',
      'Employee ID': '',
      'Change Password at Next Sign-In': '',
    });

    await fillAurora(page, { serverUrl: sandbox.auroraServerUrl, ...SUPERADMIN });
    // Aurora sends no name: the name columns are not imported there (issue 27).
    await expectMapping(page, {
      'First Name [Required]': '',
      'Email Address [Required]': 'email',
      'Password [Required]': 'password',
    });
    // Every header names its column: Start asks nothing.
    await startImport(page);
    await expect(page.getByRole('group', { name: /^Send column/ })).toHaveCount(0);
    await waitForImportFinished(page, rows.length);
    await expectNoPasswordsInPage(page, passwords);

    const users = (await sandboxState()).aurora.users;
    expect(users).toHaveLength(20);
    for (const r of rows) {
      const user = users.find((u) => u.public_id === r[2]);
      expect(user, r[2]).toBeTruthy();
      expect(user!.password, `password of ${r[2]}`).toBe(r[3]);
      expect(user!.password).not.toBe(r[0]);
    }
  });

  test('Microsoft Entra: the version line is a preamble, the annotated header is found, API names map', async ({ page }) => {
    await openApp(page);
    await load(page, 'entra-bulk-create.csv');
    await expect(page.getByText('First line is a header.', { exact: false })).toBeVisible();
    await chooseTarget(page, 'Microsoft Graph (Entra ID)');
    await expectMapping(page, {
      'Name [displayName] Required': 'name',
      'User name [userPrincipalName] Required': 'email',
      'Initial password [passwordProfile] Required': 'password',
      'Block sign in (Yes/No) [accountEnabled] Required': '',
      'Country or region [country]': '',
    });
    await chooseTarget(page, 'Mumara');
    await expectMapping(page, {
      'Name [displayName] Required': 'name',
      'First name [givenName]': 'first_name',
      'Last name [surname]': 'last_name',
      'Country or region [country]': '',
    });
  });

  test('Okta: profile attribute names map; with no password column, none is taken from another', async ({ page }) => {
    await openApp(page);
    await load(page, 'okta-import.csv');
    await chooseTarget(page, 'Keycloak');
    await expectMapping(page, {
      login: '',
      email: 'email',
      displayName: 'name',
      firstName: 'first_name',
      lastName: 'last_name',
      mobilePhone: '',
      employeeNumber: '',
    });
    const columns = page.getByRole('group', { name: 'Columns' });
    await expect(columns.getByRole('combobox')).toHaveCount(fixture('okta-import.csv').header.length);
    for (const select of await columns.getByRole('combobox').all()) {
      await expect(select).not.toHaveValue('password');
    }
  });

  test('JumpCloud: its import template maps, the user name included', async ({ page }) => {
    await openApp(page);
    await load(page, 'jumpcloud-import.csv');
    await chooseTarget(page, 'GitLab');
    await expectMapping(page, {
      FirstName: 'first_name',
      LastName: 'last_name',
      Username: 'username',
      Email: 'email',
      Password: 'password',
    });
  });

  test("synapse-admin's CSV: id is the user name, displayname the name", async ({ page }) => {
    await openApp(page);
    await load(page, 'synapse-admin.csv');
    await chooseTarget(page, 'Matrix Synapse');
    await expectMapping(page, {
      id: 'username',
      displayname: 'name',
      password: 'password',
      is_guest: '',
      admin: '',
      deactivated: '',
    });
  });

  test('a password column told by its values alone is asked about, and Start waits for the admin', async ({
    page,
    sandbox,
  }) => {
    const lines = [
      ['guess1@example.com', 'Xk8#pq2m-1', 'Ann Lee'],
      ['guess2@example.com', 'Lm4$zz9w-2', 'Bob Ray'],
      ['guess3@example.com', 'Qa7!rt5y-3', 'Cyd Fox'],
    ];
    const passwords = lines.map((l) => l[1]);
    await openApp(page);
    await dropFile(page, 'no-header.csv', Buffer.from(lines.map((l) => l.join(',')).join('\n') + '\n', 'utf8'));
    await waitForFileRead(page);
    await expect(page.getByText('No header line.', { exact: false })).toBeVisible();
    await fillAurora(page, { serverUrl: sandbox.auroraServerUrl, ...SUPERADMIN });

    // The guess is a question under its select.
    const note = 'Password: is column 2 really it? The file has no header line: it was taken from its values alone.';
    await expect(columnSelect(page, 'Column 2')).toHaveValue('password');
    await expect(columnSelect(page, 'Column 2')).toHaveAccessibleDescription(note);

    // Start asks first, naming the column and showing one masked value.
    await controls(page).start.click();
    const question = page.getByRole('group', { name: /^Send column 2 as the password\?/ });
    await expect(question).toBeVisible();
    await expect(question).toContainText('Its first value, masked, looks like Aa9*aa9a*9');
    await expectNoPasswordsInPage(page, passwords);
    await question.getByRole('button', { name: 'No, let me check the columns' }).click();
    await expect(question).toBeHidden();
    await page.waitForTimeout(300);
    expect((await sandboxState()).aurora.create_calls).toBe(0);

    // Confirmed, the import runs with that column.
    await controls(page).start.click();
    await page
      .getByRole('group', { name: /^Send column 2 as the password\?/ })
      .getByRole('button', { name: 'Yes, import with this column' })
      .click();
    await waitForImportFinished(page, lines.length);
    // Confirmed: the question under the select is gone.
    await expect(columnSelect(page, 'Column 2')).toHaveAccessibleDescription('');
    const rows = await readRows(page);
    expect(rows.map((r) => statusWord(r.Status))).toEqual(['created', 'created', 'created']);
    const users = (await sandboxState()).aurora.users;
    for (const l of lines) {
      expect(users.find((u) => u.public_id === l[0])!.password).toBe(l[1]);
    }
  });

  test("Roster's own address | password batch (no header) is asked about too: No sends nothing, Yes creates", async ({
    page,
    sandbox,
  }) => {
    const lines = [
      ['seedq1@localhost', 'p123'],
      ['seedq2@localhost', 'p232'],
    ];
    const passwords = lines.map((l) => l[1]);
    await openApp(page);
    await dropFile(page, 'seed.txt', Buffer.from(lines.map((l) => l.join(' | ')).join('\n') + '\n', 'utf8'));
    await waitForFileRead(page);
    await fillAurora(page, { serverUrl: sandbox.auroraServerUrl, ...SUPERADMIN });

    // Mapped, but as a guess: the question is under its select.
    await expect(columnSelect(page, 'Column 1')).toHaveValue('email');
    await expect(columnSelect(page, 'Column 2')).toHaveValue('password');
    await expect(columnSelect(page, 'Column 2')).toHaveAccessibleDescription(
      'Password: is column 2 really it? The file has no header line: it was taken from its values alone.',
    );

    await controls(page).start.click();
    const question = page.getByRole('group', { name: /^Send column 2 as the password\?/ });
    await expect(question).toBeVisible();
    await expect(question).toContainText('Its first value, masked, looks like a999');
    await expectNoPasswordsInPage(page, passwords);
    await question.getByRole('button', { name: 'No, let me check the columns' }).click();
    await expect(question).toBeHidden();
    await page.waitForTimeout(300);
    expect((await sandboxState()).aurora.create_calls).toBe(0);

    await startImport(page);
    await waitForImportFinished(page, lines.length);
    expect((await readRows(page)).map((r) => statusWord(r.Status))).toEqual(['created', 'created']);
    const users = (await sandboxState()).aurora.users;
    for (const [email, password] of lines) {
      expect(users.find((u) => u.public_id === email)!.password).toBe(password);
    }
  });

  test('a value sent otherwise than written says so on its row, which stays valid', async ({ page, sandbox }) => {
    await openApp(page);
    // (Not "Password": the form's own Password field has that label.)
    const text = 'Email,Kennwort\ntrimmed@example.com,  Pw-trim-1  \nkept@example.com,Pw-kept-2\n';
    await dropFile(page, 'trimmed.csv', Buffer.from(text, 'utf8'));
    await waitForFileRead(page);
    await fillAurora(page, { serverUrl: sandbox.auroraServerUrl, ...SUPERADMIN });
    const note = 'sent changed: the spaces around it in the cell were left out — password in column "Kennwort"';
    let rows = await readRows(page);
    expect(rows.map((r) => r.Status.trim())).toEqual(['ready', 'ready']);
    expect(rows[0].Message).toContain(note);
    expect(rows[1].Message).toBe('');
    await expectNoPasswordsInPage(page, ['Pw-trim-1', 'Pw-kept-2']);
    // The row editor says it too.
    await page.getByRole('button', { name: 'Edit line 2', exact: true }).click();
    await expect(page.getByRole('form', { name: 'Edit line 2' })).toContainText(note);
    await page.keyboard.press('Escape');

    await startImport(page);
    await waitForImportFinished(page, 2);
    rows = await readRows(page);
    expect(rows.map((r) => statusWord(r.Status))).toEqual(['created', 'created']);
    expect(rows[0].Message).toContain(note);
    const users = (await sandboxState()).aurora.users;
    expect(users.find((u) => u.public_id === 'trimmed@example.com')!.password).toBe('Pw-trim-1');
  });

  test('quoted passwords with leading or trailing spaces reach the server as written', async ({ page, sandbox }) => {
    await openApp(page);
    await load(page, 'passwords-with-spaces.csv');
    await fillAurora(page, { serverUrl: sandbox.auroraServerUrl, ...SUPERADMIN });
    await startImport(page);
    await waitForImportFinished(page, 4);
    const users = (await sandboxState()).aurora.users;
    const password = (email: string) => users.find((u) => u.public_id === email)?.password;
    expect(password('lead@example.com')).toBe(' lead-space-Pw1');
    expect(password('trail@example.com')).toBe('trail-space-Pw2 ');
    expect(password('both@example.com')).toBe('  both-Pw3  ');
    expect(password('plain@example.com')).toBe('plain-Pw4');
  });
});
