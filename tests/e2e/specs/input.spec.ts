/**
 * End-to-end: any real-world user file in, clean rows out (issue 3). A messy file is
 * dropped, its detected settings shown and overridden, its columns mapped, an invalid row
 * fixed and a duplicate excluded inline, then imported into the Aurora sandbox: invalid
 * rows never reach it. Also the file picker, a binary file, pasting and the template.
 */
import * as fs from 'node:fs';
import { test, expect } from '../lib/fixtures';
import { sandboxState } from '../lib/sandbox';
import { crTxt, SEED_LINES, writeFixture } from '../lib/files';
import { parseCsv } from '../lib/csv';
import {
  controls,
  expectMasked,
  expectNoPasswordsInPage,
  fillAurora,
  loadFile,
  openApp,
  readRows,
  startImport,
  statusWord,
  waitForImportFinished,
} from '../lib/app';
import { columnSelect, dropFile, editRow, expectCounts, fixturePath, inputControls } from '../lib/input';

const SUPERADMIN = { login: 'superadmin', password: '12345' };
const MB = 1024 * 1024;

/**
 * Windows-1252, semicolons, decimal commas, two preamble lines and a blank one, a header
 * with German names, a column the auto-mapping cannot know ("Stufe"), an address with a
 * space, a duplicate (case differs) and a ragged row.
 */
const MESSY = [
  'Benutzerexport HR',
  'Stand 01.11.2026',
  '',
  'Mail;Kennwort;Notiz;Quota;Stufe',
  'ann@example.com;pw-ann-1;Zoë Müller;1,5 GB;2',
  'bob@example.com;pw-bob-2;Renée;500;3',
  'cyd example.com;pw-cyd-3;Cyd;100;2',
  'ANN@example.com;pw-ann-4;Ann again;100;2',
  'dee@example.com;pw-dee-5;Dee',
  'eve@example.com;pw-eve-6;Ève;2 GB;2',
  '',
].join('\r\n');
const MESSY_PASSWORDS = ['pw-ann-1', 'pw-bob-2', 'pw-cyd-3', 'pw-ann-4', 'pw-dee-5', 'pw-eve-6'];

test.describe('input: any real-world file in, clean rows out', () => {
  test('messy file: drop, detect, override, map, fix, exclude, import; invalid rows never sent', async ({
    page,
    sandbox,
    consoleErrors,
  }) => {
    const i = inputControls(page);
    await openApp(page);
    await dropFile(page, 'hr-export.csv', Buffer.from(MESSY, 'latin1'));
    await expect(controls(page).rowsTable).toBeVisible();

    // Detected settings.
    await expect(i.encoding).toHaveValue('windows-1252');
    await expect(i.delimiter).toHaveValue(';');
    await expect(i.skipLines).toHaveValue('3');
    await expect(i.header).toBeChecked();
    await expect(page.getByText(/hr-export\.csv: 6 rows/)).toBeVisible();

    // Auto-mapped by header aliases; "Notiz" and "Stufe" are not imported.
    await expect(columnSelect(page, 'Mail')).toHaveValue('email');
    await expect(columnSelect(page, 'Kennwort')).toHaveValue('password');
    await expect(columnSelect(page, 'Quota')).toHaveValue('quota_mb');
    await expect(columnSelect(page, 'Stufe')).toHaveValue('');

    // Override one setting: the user says there is no header line. The header now reads
    // as a data row (ragged-free but not an address), then back to detected behaviour.
    await i.header.uncheck();
    await expect(page.getByText(/hr-export\.csv: 7 rows/)).toBeVisible();
    await expect(page.getByText(/No header line\./)).toBeVisible();
    await i.header.check();
    await expect(page.getByText(/hr-export\.csv: 6 rows/)).toBeVisible();
    // And the encoding: read as UTF-8 on purpose, then back to Windows-1252.
    await i.encoding.selectOption('utf-8');
    await expect(page.getByText(/Encoding: UTF-8\./)).toBeVisible();
    await i.encoding.selectOption('windows-1252');
    await expect(page.getByText(/Encoding: Windows-1252\./)).toBeVisible();

    // Map "Stufe" to the role field.
    await columnSelect(page, 'Stufe').selectOption('role');
    await expect(columnSelect(page, 'Stufe')).toHaveValue('role');

    // Before fixing: ann and ANN are duplicates (both flagged), cyd has no @, dee is ragged.
    let rows = await readRows(page);
    expect(rows.map((r) => r.Email)).toEqual([
      'ann@example.com',
      'bob@example.com',
      'cyd example.com',
      'ANN@example.com',
      'dee@example.com',
      'eve@example.com',
    ]);
    expect(rows.map((r) => r.Status)).toEqual(['invalid', 'ready', 'invalid', 'invalid', 'invalid', 'ready']);
    expect(rows[0].Message).toMatch(/appears more than once.*line 8/);
    expect(rows[3].Message).toMatch(/appears more than once.*line 5/);
    expect(rows[2].Message).toMatch(/^contains a space.* — email in column "Mail" = "cyd example.com"$/);
    expect(rows[4].Message).toContain('line 9 has 3 fields where 5 are expected');
    expectMasked(rows, MESSY_PASSWORDS);
    await expectCounts(page, 2, 4, 0);

    // Only rows with problems.
    await i.onlyProblems.check();
    rows = await readRows(page);
    // Rows are numbered by their input line (below two preamble lines, a blank one and the header).
    expect(rows.map((r) => r.Line)).toEqual(['5', '7', '8', '9']);
    await i.onlyProblems.uncheck();

    // Fix the address inline: the row is re-checked at once.
    await editRow(page, 7, { Mail: 'cyd@example.com' });
    rows = await readRows(page);
    expect(rows[2].Email).toBe('cyd@example.com');
    expect(rows[2].Status).toBe('ready');
    await expectCounts(page, 3, 3, 0);

    // Exclude the duplicate: its partner becomes valid at once.
    await page.getByRole('checkbox', { name: 'Exclude line 8', exact: true }).check();
    rows = await readRows(page);
    expect(rows[0].Status).toBe('ready');
    expect(statusWord(rows[3].Status)).toBe('excluded');
    await expectCounts(page, 4, 1, 1);
    await expectNoPasswordsInPage(page, MESSY_PASSWORDS);

    // Import.
    await fillAurora(page, { serverUrl: sandbox.auroraServerUrl, ...SUPERADMIN });
    await startImport(page);
    await waitForImportFinished(page, 6);
    rows = await readRows(page);
    expect(rows.map((r) => statusWord(r.Status))).toEqual([
      'created',
      'created',
      'created',
      'excluded',
      'invalid',
      'created',
    ]);
    await expectNoPasswordsInPage(page, MESSY_PASSWORDS);

    // The sandbox saw exactly the four valid rows, with the mapped role and quota.
    const state = await sandboxState();
    expect(state.aurora.create_calls).toBe(4);
    const users = state.aurora.users;
    expect(users.map((u) => u.public_id).sort()).toEqual(
      ['ann@example.com', 'bob@example.com', 'cyd@example.com', 'eve@example.com'].sort(),
    );
    const user = (email: string) => users.find((u) => u.public_id === email)!;
    expect(user('ann@example.com').password).toBe('pw-ann-1');
    expect(user('ann@example.com').quota_bytes).toBe(1536 * MB);
    expect(user('ann@example.com').role).toBe(2);
    expect(user('bob@example.com').quota_bytes).toBe(500 * MB);
    expect(user('bob@example.com').role).toBe(3);
    expect(user('cyd@example.com').password).toBe('pw-cyd-3');
    expect(user('eve@example.com').quota_bytes).toBe(2048 * MB);
    for (const u of users) expect(u.public_id).not.toMatch(/ANN|dee/);

    // The report: every input row, the invalid one with every reason, no password.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      controls(page).downloadReport.click(),
    ]);
    const text = fs.readFileSync(await download.path(), 'utf8');
    for (const p of MESSY_PASSWORDS) expect(text).not.toContain(p);
    const body = parseCsv(text).slice(1);
    expect(body.map((r) => r[2])).toEqual(['created', 'created', 'created', 'skipped', 'invalid', 'created']);
    expect(body[4][3]).toContain('line 9 has 3 fields where 5 are expected');
    expect(body[3][3]).toContain('Excluded');
    expect(consoleErrors).toEqual([]);
  });

  test('file picker: Excel "Unicode Text" (UTF-16 LE, tabs) with its settings shown', async ({ page }) => {
    await openApp(page);
    await loadFile(page, fixturePath('excel-unicode.txt'));
    const i = inputControls(page);
    await expect(i.encoding).toHaveValue('utf-16le');
    await expect(i.delimiter).toHaveValue('\t');
    await expect(i.header).toBeChecked();
    // Aurora (the target shown) sends no name: the name column is not imported there (issue 27).
    await expect(columnSelect(page, 'Display Name')).toHaveValue('');
    const rows = await readRows(page);
    expect(rows.map((r) => r.Email)).toEqual(['zoe@example.com', 'lukas@example.com', 'mei@example.com']);
    await expectCounts(page, 3, 0, 0);
  });

  test('a binary file gets a clear message, and the page stays usable', async ({ page }) => {
    await openApp(page);
    await dropFile(page, 'users.xlsx', fs.readFileSync(fixturePath('workbook.xlsx')), 'application/zip');
    const alert = page.getByRole('alert').filter({ hasText: 'users.xlsx' });
    // Issue 25: a workbook goes to the spreadsheet reader; this one (a zip without the
    // parts of a workbook) is said to be damaged, to be saved again as .xlsx or CSV.
    await expect(alert).toContainText('users.xlsx: The file is damaged');
    await expect(alert).toContainText('save it again as .xlsx or CSV');
    await expect(controls(page).rowsTable).toBeHidden();

    await dropFile(page, 'image.png', fs.readFileSync(fixturePath('image.png')), 'image/png');
    await expect(page.getByRole('alert').filter({ hasText: 'PNG image' })).toBeVisible();

    await loadFile(page, fixturePath('seed-pipe.txt'));
    await expect(page.getByRole('alert').filter({ hasText: 'not a text file' })).toHaveCount(0);
    expect((await readRows(page)).map((r) => r.Email)).toEqual(SEED_LINES.map((l) => l.email));
  });

  test('paste: a few typed lines import like a file', async ({ page, sandbox }) => {
    await openApp(page);
    const i = inputControls(page);
    await i.paste.fill(crTxt(SEED_LINES, { eol: '\n' }));
    await i.loadPasted.click();
    await expect(controls(page).rowsTable).toBeVisible();
    await expect(i.delimiter).toHaveValue('|');
    await expect(i.paste).toHaveValue('');
    const rows = await readRows(page);
    expect(rows.map((r) => r.Email)).toEqual(SEED_LINES.map((l) => l.email));
    await expectNoPasswordsInPage(page, SEED_LINES.map((l) => l.password));

    await fillAurora(page, { serverUrl: sandbox.auroraServerUrl, ...SUPERADMIN });
    await startImport(page);
    await waitForImportFinished(page, SEED_LINES.length);
    const state = await sandboxState();
    expect(state.aurora.users.map((u) => u.public_id).sort()).toEqual(SEED_LINES.map((l) => l.email).sort());
  });

  test('defaults, minimum password length and the template', async ({ page, sandbox }) => {
    await openApp(page);
    const i = inputControls(page);
    const [download] = await Promise.all([page.waitForEvent('download'), i.template.click()]);
    expect(download.suggestedFilename()).toBe('roster-template-aurora.csv');
    // Two note lines, the header, an example row (preview.spec.ts loads it back).
    expect(fs.readFileSync(await download.path(), 'utf8').split('\r\n')[2]).toBe('email,password,role,quota_mb,tenant_id');

    await loadFile(
      page,
      writeFixture('users.csv', 'email,password\r\nlong@example.com,long-enough-1\r\nshort@example.com,abc\r\n'),
    );
    await expectCounts(page, 2, 0, 0);
    await i.minPassword.fill('8');
    await i.minPassword.blur();
    await expectCounts(page, 1, 1, 0);
    expect((await readRows(page))[1].Message).toContain('shorter than the minimum of 8');
    await i.defaultRole.fill('3');
    await i.defaultRole.blur();
    await i.defaultQuota.fill('250');
    await i.defaultQuota.blur();

    await fillAurora(page, { serverUrl: sandbox.auroraServerUrl, ...SUPERADMIN });
    await startImport(page);
    await waitForImportFinished(page, 2);
    const state = await sandboxState();
    expect(state.aurora.create_calls).toBe(1);
    expect(state.aurora.users).toHaveLength(1);
    expect(state.aurora.users[0].role).toBe(3);
    expect(state.aurora.users[0].quota_bytes).toBe(250 * MB);
  });

  test('the mapping is remembered for the next file with the same header', async ({ page }) => {
    await openApp(page);
    const file = writeFixture('a.csv', 'Adresse,Geheim,Notes\r\na@example.com,pw-1,x\r\n');
    await loadFile(page, file);
    await expect(columnSelect(page, 'Geheim')).toHaveValue('');
    await columnSelect(page, 'Geheim').selectOption('password');
    await expectCounts(page, 1, 0, 0);
    // localStorage holds column names and fields only.
    const stored = await page.evaluate(() => JSON.stringify(Object.entries(localStorage)));
    expect(stored).toContain('geheim');
    expect(stored).not.toContain('pw-1');
    expect(stored).not.toContain('a@example.com');

    await page.reload();
    await expect(controls(page).start).toBeVisible({ timeout: 20_000 });
    await loadFile(page, writeFixture('b.csv', 'Adresse,Geheim,Notes\r\nb@example.com,pw-2,y\r\n'));
    await expect(columnSelect(page, 'Geheim')).toHaveValue('password');
    await expectCounts(page, 1, 0, 0);
  });

  test('100,000 rows: only the rows in view are rendered, and scrolling reaches the last one', async ({ page }) => {
    const n = 100_000;
    const lines = ['email,password'];
    for (let k = 1; k <= n; k++) lines.push(`user${k}@example.com,pw-${k}`);
    await openApp(page);
    await loadFile(page, writeFixture('big.csv', lines.join('\n') + '\n'));
    await expectCounts(page, n, 0, 0);
    const table = controls(page).rowsTable;
    await expect(table).toHaveAttribute('aria-rowcount', String(n + 1));
    const rendered = await table.getByRole('row').count();
    expect(rendered).toBeGreaterThan(10);
    expect(rendered).toBeLessThanOrEqual(60);
    await table.locator('xpath=..').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect(table.getByRole('button', { name: `email, line ${n + 1}: user${n}@example.com`, exact: true })).toBeVisible();
    expect(await table.getByRole('row').count()).toBeLessThanOrEqual(60);
    // A row far down can be fixed like any other: it is re-checked at once.
    await editRow(page, n + 1, { email: 'not an address' });
    await expectCounts(page, n - 1, 1, 0);
  });
});
