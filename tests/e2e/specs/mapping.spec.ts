/**
 * End-to-end: the column mapping as real files need it (issue 11, items 2 and 3). A
 * column named Email keeps the address against a Login column that holds other
 * addresses, and the close call is said next to the mapping; headers in other languages,
 * with accents in either Unicode form, are recognised. Accessible names only.
 *
 * Mumara is chosen as the target: it takes a name, first and last names and a time
 * zone, while Aurora (the target shown first) sends no name, so it offers no name field
 * (issue 27). Choosing a target maps the columns it adds.
 */
import { test, expect } from '../lib/fixtures';
import { controls, openApp, readRows, waitForFileRead } from '../lib/app';
import { columnSelect, dropFile, expectCounts } from '../lib/input';

const LOGIN_FILE = [
  'Login,Email,Password,Name',
  'jdoe@corp.example,john.doe@example.com,Xk8#pq2m,John Doe',
  'asmith@corp.example,ann.smith@example.com,Lm4$zz9w,Ann Smith',
  'bwong@corp.example,bo.wong@example.com,Qa7!rt5y,Bo Wong',
  '',
].join('\r\n');

const EMAIL_NOTE = 'Email: column "Email" chosen; column "Login" also holds addresses.';
const LOGIN_NOTE = 'Email: column "Login" chosen; column "Email" also holds addresses.';

test.describe('mapping: never the wrong column, headers in any language', () => {
  test('Email keeps the address against a Login column of addresses, and the close call is shown', async ({
    page,
    consoleErrors,
  }) => {
    await openApp(page);
    await dropFile(page, 'login-email.csv', Buffer.from(LOGIN_FILE, 'utf8'));
    await expect(controls(page).rowsTable).toBeVisible();
    await waitForFileRead(page);
    await controls(page).target.selectOption({ label: 'Mumara' });
    await page.getByLabel('Package ID').fill('1');
    await page.getByLabel('Package ID').press('Tab');
    await waitForFileRead(page);

    await expect(columnSelect(page, 'Email')).toHaveValue('email');
    await expect(columnSelect(page, 'Login')).toHaveValue('');
    await expect(columnSelect(page, 'Password')).toHaveValue('password');
    await expect(columnSelect(page, 'Name')).toHaveValue('name');

    // The note sits next to the Email column's select and describes it.
    const columns = page.getByRole('group', { name: 'Columns' });
    await expect(columns.getByRole('note')).toHaveText(EMAIL_NOTE);
    await expect(columnSelect(page, 'Email')).toHaveAccessibleDescription(EMAIL_NOTE);
    await expect(columnSelect(page, 'Login')).toHaveAccessibleDescription('');

    // The accounts would be created at the Email column's addresses.
    const rows = await readRows(page);
    expect(rows.map((r) => r.Email)).toEqual([
      'john.doe@example.com',
      'ann.smith@example.com',
      'bo.wong@example.com',
    ]);
    await expectCounts(page, 3, 0, 0);

    // The admin may still choose Login: the note follows the choice.
    await columnSelect(page, 'Login').selectOption('email');
    await expect(columnSelect(page, 'Email')).toHaveValue('');
    await expect(columns.getByRole('note')).toHaveText(LOGIN_NOTE);
    await expect(columnSelect(page, 'Login')).toHaveAccessibleDescription(LOGIN_NOTE);
    await expect(columnSelect(page, 'Email')).toHaveAccessibleDescription('');
    await expect
      .poll(async () => (await readRows(page)).map((r) => r.Email))
      .toEqual(['jdoe@corp.example', 'asmith@corp.example', 'bwong@corp.example']);
    expect(consoleErrors).toEqual([]);
  });

  test('headers in other languages, with accents in NFC or NFD, are recognised', async ({ page, consoleErrors }) => {
    await openApp(page);
    // NFC "Prénom" (U+00E9), with German, Spanish, Dutch and Italian names beside it.
    const nfc = 'Pr\u00e9nom;Nachname;Correo electr\u00f3nico;Wachtwoord;Fuso orario';
    expect(nfc.normalize('NFC')).toBe(nfc);
    const body = ['Zo\u00eb;M\u00fcller;zoe@example.com;Xk8#pq2m;+01:00', 'Ann;Lee;ann@example.com;Lm4$zz9w;-05:00', ''];
    await dropFile(page, 'languages.csv', Buffer.from([nfc, ...body].join('\r\n'), 'utf8'));
    await expect(controls(page).rowsTable).toBeVisible();
    await waitForFileRead(page);
    await controls(page).target.selectOption({ label: 'Mumara' });
    await page.getByLabel('Package ID').fill('1');
    await page.getByLabel('Package ID').press('Tab');
    await waitForFileRead(page);

    await expect(columnSelect(page, 'Pr\u00e9nom')).toHaveValue('first_name');
    await expect(columnSelect(page, 'Nachname')).toHaveValue('last_name');
    await expect(columnSelect(page, 'Correo electr\u00f3nico')).toHaveValue('email');
    await expect(columnSelect(page, 'Wachtwoord')).toHaveValue('password');
    await expect(columnSelect(page, 'Fuso orario')).toHaveValue('timezone');
    await expect(page.getByRole('group', { name: 'Columns' }).getByRole('note')).toHaveCount(0);
    const rows = await readRows(page);
    expect(rows.map((r) => r.Email)).toEqual(['zoe@example.com', 'ann@example.com']);
    await expectCounts(page, 2, 0, 0);

    // The same header in NFD (e + U+0301), and one without accents, in Portuguese and French.
    const nfd = 'Pre\u0301nom;Sobrenome;Adresse e\u0301lectronique;Senha';
    expect(nfd).not.toBe(nfd.normalize('NFC'));
    await dropFile(
      page,
      'nfd.csv',
      Buffer.from([nfd, 'Ann;Lee;ann@example.com;Lm4$zz9w', ''].join('\r\n'), 'utf8'),
    );
    await waitForFileRead(page);
    await expect(columnSelect(page, 'Sobrenome')).toHaveValue('last_name');
    await expect(columnSelect(page, nfd.split(';')[0])).toHaveValue('first_name');
    await expect(columnSelect(page, nfd.split(';')[2])).toHaveValue('email');
    await expect(columnSelect(page, 'Senha')).toHaveValue('password');

    await dropFile(
      page,
      'plain.csv',
      Buffer.from(['PRENOM;Nom;Courriel;Mot de passe', 'Ann;Lee;ann@example.com;Lm4$zz9w', ''].join('\r\n'), 'utf8'),
    );
    await waitForFileRead(page);
    await expect(columnSelect(page, 'PRENOM')).toHaveValue('first_name');
    await expect(columnSelect(page, 'Nom')).toHaveValue('last_name');
    await expect(columnSelect(page, 'Courriel')).toHaveValue('email');
    await expect(columnSelect(page, 'Mot de passe')).toHaveValue('password');
    expect(consoleErrors).toEqual([]);
  });
});
