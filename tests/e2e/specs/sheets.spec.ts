/**
 * End-to-end: spreadsheets as admins have them (issue 25). Workbooks written by real
 * writers (openpyxl, LibreOffice, msoffcrypto-tool: scripts/make-sheet-fixtures.py) are
 * chosen or dropped, read by the spreadsheet worker (loaded only then), go through the
 * CSV pipeline with the sheet's row numbers, and are imported into the sandbox's Aurora.
 * The "Sheet" select, hidden sheets, the remembered choice, and the error messages; and
 * the CSV bug the issue names (a title row padded with empty cells).
 */
import * as fs from 'node:fs';
import { test, expect } from '../lib/fixtures';
import { sandboxState } from '../lib/sandbox';
import {
  controls,
  openApp,
  readRows,
  startImport,
  statusWord,
  waitForFileRead,
  waitForImportFinished,
} from '../lib/app';
import { columnSelect, dropFile, expectCounts, fixturePath, inputControls } from '../lib/input';

const SUPERADMIN = { login: 'superadmin', password: '12345' };
const sheetPath = (name: string) => fixturePath(`sheets/${name}`);
const summary = (page: import('@playwright/test').Page, name: string) =>
  page.getByText(new RegExp(`^${name.replace('.', '\\.')}: `));
const sheetSelect = (page: import('@playwright/test').Page) => page.getByLabel('Sheet', { exact: true });

async function choose(page: import('@playwright/test').Page, name: string): Promise<void> {
  await controls(page).chooseFile.setInputFiles(sheetPath(name));
  await waitForFileRead(page);
}

async function importAll(page: import('@playwright/test').Page, auroraServerUrl: string, n: number) {
  // The workbooks have a "Password" column: the form's field is the textbox of that name
  // (lib/app.ts's fillAurora would find the column's select too).
  const c = controls(page);
  await waitForFileRead(page);
  await c.target.selectOption({ label: 'Aurora' });
  await c.serverUrl.fill(auroraServerUrl);
  await c.login.fill(SUPERADMIN.login);
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(SUPERADMIN.password);
  await startImport(page);
  await waitForImportFinished(page, n);
  const rows = await readRows(page);
  expect(rows.map((r) => statusWord(r.Status))).toEqual(Array(n).fill('created'));
  return rows;
}

test.describe('spreadsheets', () => {
  test('an .xlsx by LibreOffice: the worker loads only then, cells as shown, row numbers of the sheet, imported', async ({
    page,
    sandbox,
  }) => {
    const worker: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('sheets_')) worker.push(r.url());
    });
    // Every console error but the browser's own request for /favicon.ico (Chromium asks
    // for it during the import, whatever the page's icon link says).
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await openApp(page);
    // A CSV does not load the worker.
    await dropFile(page, 'people.csv', Buffer.from('email,password\nx@example.com,Pw-long-1!\n'));
    await waitForFileRead(page);
    expect(worker).toEqual([]);

    await choose(page, 'staff-libreoffice.xlsx');
    expect(worker.some((u) => u.endsWith('sheets_worker_bg.wasm'))).toBe(true);
    // The page's side of the reader is a module imported then, not in the first load.
    expect(worker.some((u) => u.endsWith('/sheets_page.js'))).toBe(true);
    await expect(summary(page, 'staff-libreoffice.xlsx')).toContainText(
      'staff-libreoffice.xlsx: 3 rows (3 ready, 0 invalid, 0 excluded). Sheet "Staff". A row of column names was found.',
    );
    // One sheet: no select shown (it is in the page, hidden, not built on demand: a
    // `Show` cost the page's first load bytes).
    await expect(sheetSelect(page)).toBeHidden();
    // The merged, padded title on row 1 is skipped; the header is row 2; the rows keep
    // the sheet's numbers. In the row editor: the id keeps its leading zeros, the phone
    // number every digit, the date is ISO, the boolean a word, the formula its saved value.
    await page.getByRole('button', { name: 'Edit line 3', exact: true }).click();
    const form = page.getByRole('form', { name: 'Edit line 3' });
    await expect(form.getByLabel('Employee ID', { exact: true })).toHaveValue('00042');
    await expect(form.getByLabel('Phone', { exact: true })).toHaveValue('4915112345678');
    await expect(form.getByLabel('Start date', { exact: true })).toHaveValue('2026-01-05');
    await expect(form.getByLabel('Active', { exact: true })).toHaveValue('true');
    await expect(form.getByLabel('Display name', { exact: true })).toHaveValue('Ann Lee');
    await expect(form.getByLabel('First name', { exact: true })).toHaveValue('Ann');
    await page.keyboard.press('Escape');
    await expect(form).toBeHidden();
    let rows = await readRows(page);
    expect(rows.map((r) => r.Line)).toEqual(['3', '4', '5']);
    expect(rows.map((r) => r.Email)).toEqual(['ann.lee@example.com', 'bo.ek@example.com', 'chloe.dubois@example.com']);

    rows = await importAll(page, sandbox.auroraServerUrl, 3);
    const users = (await sandboxState()).aurora.users;
    expect(users.map((u) => u.public_id).sort()).toEqual(['ann.lee@example.com', 'bo.ek@example.com', 'chloe.dubois@example.com']);
    expect(users.find((u) => u.public_id === 'bo.ek@example.com')!.password).toBe('Sheet-Pw-2-ok!');
    expect(errors).toEqual([]);
  });

  test('three sheets: the Sheet select lists the hidden one, the cover is skipped, the choice is remembered (names only)', async ({
    page,
    sandbox,
  }) => {
    await openApp(page);
    await choose(page, 'three-sheets.xlsx');
    const select = sheetSelect(page);
    await expect(select).toBeVisible();
    await expect(select.locator('option')).toHaveText(['Cover', 'Staff', 'Archive (hidden)']);
    await expect(select).toHaveValue('Staff');
    await expectCounts(page, 3, 0, 0);

    await select.selectOption('Archive');
    await waitForFileRead(page);
    await expect(summary(page, 'three-sheets.xlsx')).toContainText('three-sheets.xlsx: 2 rows (2 ready, 0 invalid, 0 excluded). Sheet "Archive".');
    await importAll(page, sandbox.auroraServerUrl, 2);
    expect((await sandboxState()).aurora.users.map((u) => u.public_id).sort()).toEqual([
      'old.one@example.com',
      'old.two@example.com',
    ]);

    // The choice comes back with the same workbook; storage holds names, no cell.
    await openApp(page);
    await choose(page, 'three-sheets.xlsx');
    await expect(sheetSelect(page)).toHaveValue('Archive');
    await expectCounts(page, 2, 0, 0);
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }));
    expect(
      await page.evaluate(() => localStorage.getItem('roster.sheet.v1.Cover\u001fStaff\u001fArchive')),
    ).toBe('Archive');
    expect(stored).toContain('Archive');
    expect(stored).not.toContain('@example.com');
    expect(stored).not.toContain('Pw-');
  });

  test('an .ods by LibreOffice, an openpyxl formula with no saved value, a merged header', async ({ page, sandbox }) => {
    await openApp(page);
    await choose(page, 'three-sheets.ods');
    await expect(sheetSelect(page)).toHaveValue('Staff');
    await expect(sheetSelect(page).locator('option')).toHaveText(['Cover', 'Staff', 'Archive (hidden)']);
    await expectCounts(page, 3, 0, 0);
    await importAll(page, sandbox.auroraServerUrl, 3);

    await openApp(page);
    await choose(page, 'staff-openpyxl.xlsx');
    await expect(summary(page, 'staff-openpyxl.xlsx')).toContainText(
      'Not read cleanly: 3 cells hold a formula with no saved value (the program that wrote the file did not compute them), read as empty: row 3, column I; row 4, column I; row 5, column I.',
    );
    await expectCounts(page, 3, 0, 0);

    await openApp(page);
    await choose(page, 'merged-header.xlsx');
    // "Name" is merged over two columns: named once, the second column unnamed.
    await expect(columnSelect(page, 'Name')).toBeVisible();
    await expect(columnSelect(page, 'Column 2')).toBeVisible();
    const rows = await readRows(page);
    expect(rows.map((r) => r.Line)).toEqual(['2', '3', '4']);
    await expectCounts(page, 3, 0, 0);
  });

  test('an encrypted workbook, a damaged one and an .xls say so in words', async ({ page }) => {
    await openApp(page);
    const alert = page.getByRole('alert').filter({ hasText: /\.xlsx?: / });
    await choose(page, 'encrypted.xlsx');
    await expect(alert).toContainText('encrypted.xlsx: The workbook is password-protected (encrypted), so Roster cannot read it.');
    await choose(page, 'damaged.xlsx');
    await expect(alert).toContainText('damaged.xlsx: The file is damaged: it looks like a spreadsheet but cannot be read');
    await choose(page, 'staff-excel97.xls');
    await expect(alert).toContainText('staff-excel97.xls: This is an Excel 97-2003 workbook (.xls), an old format Roster does not read.');
    await expect(controls(page).rowsTable).toHaveCount(0);
  });

  test('a CSV saved by a spreadsheet program with its title row padded (Staff export 2026,,,,,) finds its header', async ({
    page,
  }) => {
    let csv = 'Staff export 2026,,,,,\nFirst name,Last name,Email,Password,Employee ID,Start date\n';
    for (let i = 1; i <= 40; i++) {
      csv += `Ann${i},Lee,ann${i}@example.com,Pw-${i}-long-enough!,${String(i).padStart(5, '0')},2026-01-05\n`;
    }
    await openApp(page);
    await dropFile(page, 'staff.csv', Buffer.from(csv));
    await waitForFileRead(page);
    await expect(summary(page, 'staff.csv')).toContainText('staff.csv: 40 rows (40 ready, 0 invalid, 0 excluded).');
    await expect(summary(page, 'staff.csv')).toContainText('First line is a header.');
    const rows = await readRows(page);
    expect(rows[0].Line).toBe('3');
    expect(rows[0].Email).toBe('ann1@example.com');
    void fs;
  });
  test('a workbook shows no Encoding or Delimiter (its reader writes the text); a CSV after it shows them again', async ({
    page,
  }) => {
    const c = inputControls(page);
    await openApp(page);
    await dropFile(page, 'people.csv', Buffer.from('email;password\nx@example.com;Pw-long-1!\n'));
    await waitForFileRead(page);
    await expect(c.encoding).toBeVisible();
    await expect(c.delimiter).toBeVisible();

    await choose(page, 'staff-libreoffice.xlsx');
    await expect(summary(page, 'staff-libreoffice.xlsx')).toContainText('Sheet "Staff".');
    // The sheet's text is the reader's own (UTF-8, its delimiter, its quotes): nothing to choose.
    await expect(c.encoding).toBeHidden();
    await expect(c.delimiter).toBeHidden();
    await expect(page.getByText(/^Encoding$|^Delimiter$/)).toHaveCount(2);
    await expect(page.getByText(/^Encoding$|^Delimiter$/).first()).toBeHidden();
    await expect(page.getByRole('button', { name: /quotes/ })).toHaveCount(0);
    // What applies to a sheet stays: lines to skip, the header line.
    await expect(c.skipLines).toBeVisible();
    await expect(c.skipLines).toHaveValue('1');
    await expect(c.header).toBeVisible();
    await expect(c.header).toBeChecked();

    await dropFile(page, 'people.csv', Buffer.from('email;password\nx@example.com;Pw-long-1!\n'));
    await waitForFileRead(page);
    await expect(summary(page, 'people.csv')).toContainText('people.csv: 1 rows');
    await expect(c.encoding).toBeVisible();
    await expect(c.delimiter).toBeVisible();
    await expect(c.delimiter).toHaveValue(';');
  });

  test("a setting change on a workbook reads the kept sheet again, without the worker; another sheet asks it", async ({
    page,
  }) => {
    // Every message the page posts to a worker (the reader is asked once per message).
    await page.addInitScript(() => {
      const w = window as unknown as { posted: number };
      w.posted = 0;
      const post = Worker.prototype.postMessage;
      Worker.prototype.postMessage = function (this: Worker, ...args: unknown[]) {
        w.posted++;
        return (post as (...a: unknown[]) => void).apply(this, args);
      };
    });
    const posted = () => page.evaluate(() => (window as unknown as { posted: number }).posted);
    const c = inputControls(page);
    await openApp(page);
    await choose(page, 'staff-libreoffice.xlsx');
    await expect(summary(page, 'staff-libreoffice.xlsx')).toContainText('3 rows (3 ready, 0 invalid, 0 excluded).');
    expect(await posted()).toBe(1);
    expect((await readRows(page)).map((r) => r.Line)).toEqual(['3', '4', '5']);

    // No header line: the sheet's row 2 (its column names) is read as a row too.
    await c.header.uncheck();
    await waitForFileRead(page);
    await expect(summary(page, 'staff-libreoffice.xlsx')).toContainText('4 rows');
    expect((await readRows(page)).map((r) => r.Line)).toEqual(['2', '3', '4', '5']);
    // Three lines skipped: the rows on the sheet's rows 4 and 5, with the sheet's numbers.
    await c.skipLines.fill('3');
    await c.skipLines.press('Enter');
    await waitForFileRead(page);
    await expect(summary(page, 'staff-libreoffice.xlsx')).toContainText('2 rows');
    expect((await readRows(page)).map((r) => r.Line)).toEqual(['4', '5']);
    expect(await posted()).toBe(1);

    // Another sheet asks the worker; a setting change on it does not.
    await choose(page, 'three-sheets.xlsx');
    expect(await posted()).toBe(2);
    await sheetSelect(page).selectOption('Archive');
    await waitForFileRead(page);
    await expect(summary(page, 'three-sheets.xlsx')).toContainText('2 rows (2 ready, 0 invalid, 0 excluded). Sheet "Archive".');
    expect(await posted()).toBe(3);
    await c.skipLines.fill('2');
    await c.skipLines.press('Enter');
    await waitForFileRead(page);
    await expect(summary(page, 'three-sheets.xlsx')).toContainText('1 rows');
    await expect(summary(page, 'three-sheets.xlsx')).toContainText('Sheet "Archive".');
    expect((await readRows(page)).map((r) => r.Line)).toEqual(['3']);
    expect(await posted()).toBe(3);
    await sheetSelect(page).selectOption('Staff');
    await waitForFileRead(page);
    await expect(summary(page, 'three-sheets.xlsx')).toContainText('Sheet "Staff".');
    expect(await posted()).toBe(4);
  });

  test("the workbook's bytes stay out of the page: the worker gets the file itself, and the file is kept to switch sheets", async ({
    page,
  }) => {
    // What the page's own thread reads of a file, and what it posts to a worker.
    await page.addInitScript(() => {
      const w = window as unknown as { reads: string[]; posted: string[] };
      w.reads = [];
      w.posted = [];
      const slice = Blob.prototype.slice;
      Blob.prototype.slice = function (this: Blob, ...args: unknown[]) {
        w.reads.push(`${args[0]}-${args[1]} of ${this.size}`);
        return slice.apply(this, args as [number, number]);
      };
      const post = Worker.prototype.postMessage;
      Worker.prototype.postMessage = function (this: Worker, data: unknown, ...rest: unknown[]) {
        const first = Array.isArray(data) ? data[0] : data;
        w.posted.push(Object.prototype.toString.call(first));
        return (post as (...a: unknown[]) => void).call(this, data, ...rest);
      };
    });
    const seen = () =>
      page.evaluate(() => {
        const w = window as unknown as { reads: string[]; posted: string[] };
        return { reads: w.reads, posted: w.posted };
      });
    await openApp(page);
    const bytes = fs.readFileSync(sheetPath('three-sheets.xlsx'));
    await dropFile(page, 'three-sheets.xlsx', bytes, 'application/octet-stream');
    await waitForFileRead(page);
    await expect(sheetSelect(page)).toHaveValue('Staff');
    await expectCounts(page, 3, 0, 0);
    // Only the first 8 bytes are read by the page (to know a workbook); the worker is
    // posted the File, not a copy of its bytes.
    expect(await seen()).toEqual({ reads: [`0-8 of ${bytes.length}`], posted: ['[object File]'] });

    // Switching sheets reads the kept File again, back and forth.
    await sheetSelect(page).selectOption('Archive');
    await waitForFileRead(page);
    await expect(summary(page, 'three-sheets.xlsx')).toContainText('2 rows (2 ready, 0 invalid, 0 excluded). Sheet "Archive".');
    await sheetSelect(page).selectOption('Staff');
    await waitForFileRead(page);
    await expect(summary(page, 'three-sheets.xlsx')).toContainText('3 rows (3 ready, 0 invalid, 0 excluded). Sheet "Staff".');
    expect((await seen()).posted).toEqual(['[object File]', '[object File]', '[object File]']);
    expect((await seen()).reads).toEqual([`0-8 of ${bytes.length}`]);

    // The same workbook dropped again reads again (the choice remembered: Staff).
    await dropFile(page, 'three-sheets.xlsx', bytes, 'application/octet-stream');
    await waitForFileRead(page);
    await expect(summary(page, 'three-sheets.xlsx')).toContainText('3 rows (3 ready, 0 invalid, 0 excluded). Sheet "Staff".');
    await expect(sheetSelect(page)).toHaveValue('Staff');
    expect((await seen()).posted).toHaveLength(4);

    // Then a CSV: read as a CSV (its bytes in the page, as before), the select gone.
    await dropFile(page, 'people.csv', Buffer.from('email,password\nx@example.com,Pw-long-1!\ny@example.com,Pw-long-2!\n'));
    await waitForFileRead(page);
    await expect(summary(page, 'people.csv')).toContainText('people.csv: 2 rows (2 ready, 0 invalid, 0 excluded).');
    await expect(summary(page, 'people.csv')).not.toContainText('Sheet');
    await expect(sheetSelect(page)).toBeHidden();
    expect((await readRows(page)).map((r) => r.Email)).toEqual(['x@example.com', 'y@example.com']);
    expect((await seen()).posted).toHaveLength(4);
  });

  test("the reader's module hands the sheet's text as its ArrayBuffer, which the page views without a copy and frees at once", async ({
    page,
  }) => {
    await openApp(page);
    const bytes = [...fs.readFileSync(sheetPath('three-sheets.xlsx'))];
    const got = await page.evaluate(async (bytes) => {
      const m = await import(new URL('sheets_page.js', document.baseURI).href);
      const file = new File([new Uint8Array(bytes)], 'three-sheets.xlsx');
      const answer = await m.read(file, 'Staff');
      const text = answer[0];
      // What the page does with it: `new Uint8Array(x)`, a view of a buffer (a typed
      // array would be copied: a second whole text until a garbage collection).
      const view = new Uint8Array(text);
      const first = new TextDecoder().decode(view).split('\n')[0];
      const before = text.byteLength;
      answer[5]();
      return { kind: Object.prototype.toString.call(text), same: view.buffer === text, first, before, after: text.byteLength, sheet: answer[2] };
    }, bytes);
    expect(got.kind).toBe('[object ArrayBuffer]');
    expect(got.same).toBe(true);
    expect(got.first).toContain('Email');
    expect(got.before).toBeGreaterThan(0);
    // Freed (detached) at once, not at the next garbage collection.
    expect(got.after).toBe(0);
    expect(got.sheet).toBe('Staff');
  });

  test("the reader's module answers for the page's kept sheet again without a worker and without its text; another sheet or file asks a worker", async ({
    page,
  }) => {
    await openApp(page);
    const bytes = [...fs.readFileSync(sheetPath('three-sheets.xlsx'))];
    const got = await page.evaluate(async (bytes) => {
      // Every worker the module starts (one per request to the reader).
      const w = window as unknown as { Worker: typeof Worker };
      let workers = 0;
      const Base = w.Worker;
      w.Worker = class extends Base {
        constructor(...args: ConstructorParameters<typeof Worker>) {
          super(...args);
          workers++;
        }
      };
      const m = await import(new URL('sheets_page.js', document.baseURI).href);
      const file = new File([new Uint8Array(bytes)], 'three-sheets.xlsx');
      const shape = (a: unknown[]) => ({
        text: a[0] === null ? null : (a[0] as ArrayBuffer).byteLength > 0,
        lines: Array.from(a[1] as Uint32Array),
        sheet: a[2],
        notes: a[3],
        sheets: a[4],
        workers,
      });
      const first = shape(await m.read(file, 'Staff', false));
      const again = shape(await m.read(file, 'Staff', true));
      const otherSheet = shape(await m.read(file, 'Archive', true));
      const otherFile = shape(await m.read(new File([new Uint8Array(bytes)], 'three-sheets.xlsx'), 'Archive', true));
      const notKept = shape(await m.read(file, 'Archive', false));
      return { first, again, otherSheet, otherFile, notKept };
    }, bytes);
    expect(got.first).toMatchObject({ text: true, sheet: 'Staff', workers: 1 });
    // The same file's same sheet, its text kept by the page: the last answer, no text, no worker.
    expect(got.again).toEqual({ ...got.first, text: null });
    // Another sheet, another file (even of the same bytes), or no text kept: a worker reads.
    expect(got.otherSheet).toMatchObject({ text: true, sheet: 'Archive', workers: 2 });
    expect(got.otherFile).toMatchObject({ text: true, sheet: 'Archive', workers: 3 });
    expect(got.notKept).toMatchObject({ text: true, sheet: 'Archive', workers: 4 });
  });

  test("the reader's module: the remembered sheet's key holds sheet names only; hidden sheets labelled", async ({ page }) => {
    await openApp(page);
    const got = await page.evaluate(async () => {
      const m = await import(new URL('sheets_page.js', document.baseURI).href);
      const wb = ['Cover', 'Staff', 'Archive'];
      return [
        m.memoryKey(wb),
        m.sheetLabel('Archive\0'),
        m.sheetLabel('Staff'),
        m.sheetName('Archive\0'),
        m.rememberedOther(wb, 1, 'Archive'),
        m.rememberedOther(wb, 1, 'Staff'),
        m.rememberedOther(wb, 1, 'Gone'),
        m.rememberedOther(wb, 1, null),
      ];
    });
    expect(got).toEqual(['roster.sheet.v1.Cover\u001fStaff\u001fArchive', 'Archive (hidden)', 'Staff', 'Archive', 'Archive', null, null, null]);
  });
});
