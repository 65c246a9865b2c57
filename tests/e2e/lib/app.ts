/**
 * Drives the Roster page the way a user does: through accessible names and roles only
 * (getByRole / getByLabel), never through CSS classes or ids.
 */
import { expect, type Locator, type Page } from '@playwright/test';

export const FINAL_STATUSES = ['created', 'exists', 'rejected', 'failed', 'invalid', 'unknown', 'skipped'] as const;
export type FinalStatus = (typeof FINAL_STATUSES)[number];

export const COLUMNS = ['Line', 'Email', 'Password', 'Status', 'Message', 'Target ID'] as const;
export type Column = (typeof COLUMNS)[number];
export type TableRow = Record<Column, string>;

/** Generous bound for an import of a handful of rows against the local sandbox. */
export const IMPORT_TIMEOUT_MS = 30_000;

export function controls(page: Page) {
  return {
    chooseFile: page.getByLabel('Choose file'),
    dropZone: page.getByRole('region', { name: 'Drop zone' }),
    target: page.getByLabel('Target', { exact: true }),
    serverUrl: page.getByLabel('Server URL'),
    login: page.getByLabel('Login', { exact: true }),
    password: page.getByLabel('Password', { exact: true }),
    apiKey: page.getByLabel('API key'),
    start: page.getByRole('button', { name: 'Start import', exact: true }),
    pause: page.getByRole('button', { name: 'Pause', exact: true }),
    resume: page.getByRole('button', { name: 'Resume', exact: true }),
    cancel: page.getByRole('button', { name: 'Cancel', exact: true }),
    downloadReport: page.getByRole('button', { name: 'Download report', exact: true }),
    rowsTable: page.getByRole('table', { name: 'Rows' }),
    progress: page.getByRole('progressbar', { name: 'Import progress' }),
    statusRegion: page.getByRole('status'),
  };
}

/** Opens the app and waits until the WebAssembly app has rendered its controls. */
export async function openApp(page: Page): Promise<void> {
  await page.goto('/');
  await expect(controls(page).start).toBeVisible({ timeout: 20_000 });
}

/**
 * Answers Start's question about a column taken from its values alone (issue 21: a file
 * without a header, Roster's own `address | password` batch included, never sends a
 * guessed password unasked), each open guess in turn, with "Yes, import with this
 * column". Does nothing when Start asked no such question. Call right after clicking
 * Start: the question, if any, is shown by then (after one frame, checked here).
 */
export async function answerGuesses(page: Page): Promise<void> {
  const yes = page.getByRole('button', { name: 'Yes, import with this column', exact: true });
  for (;;) {
    await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => setTimeout(r, 0))));
    if (!(await yes.isVisible())) return;
    await yes.click();
  }
}

/** Clicks Start import and confirms a guessed column if Start asks about one. */
export async function startImport(page: Page): Promise<void> {
  await controls(page).start.click();
  await answerGuesses(page);
}

export async function loadFile(page: Page, file: string): Promise<void> {
  await controls(page).chooseFile.setInputFiles(file);
  await expect(controls(page).rowsTable).toBeVisible();
}

/**
 * Waits until the file being read (and its rows being checked) is done: no reading or
 * checking progress shown. Changing the target while a read ends could otherwise race
 * the read's own check of the rows (see fillAurora / fillMumara).
 */
export async function waitForFileRead(page: Page, timeout = 60_000): Promise<void> {
  await expect(page.getByRole('progressbar', { name: 'Reading progress' })).toBeHidden({ timeout });
}

export async function fillAurora(
  page: Page,
  opts: { serverUrl: string; login: string; password: string },
): Promise<void> {
  const c = controls(page);
  await waitForFileRead(page);
  await c.target.selectOption({ label: 'Aurora' });
  await c.serverUrl.fill(opts.serverUrl);
  await c.login.fill(opts.login);
  await c.password.fill(opts.password);
}

/**
 * Chooses Mumara and fills its fields. It first waits for a file being read to be done
 * (choosing the target re-checks the rows). The Package ID default re-checks the rows
 * too, so this leaves the field (Tab) and waits until no row is invalid before returning.
 */
export async function fillMumara(
  page: Page,
  opts: { serverUrl: string; apiKey: string; packageId: string },
): Promise<void> {
  const c = controls(page);
  await waitForFileRead(page);
  await c.target.selectOption({ label: 'Mumara' });
  await c.serverUrl.fill(opts.serverUrl);
  await c.apiKey.fill(opts.apiKey);
  await page.getByLabel('Package ID').fill(opts.packageId);
  await page.getByLabel('Package ID').press('Tab');
  await waitForFileRead(page);
  await expect(c.rowsTable.getByText('invalid', { exact: true })).toHaveCount(0);
}

/**
 * Waits until the live region says "Import finished" and the progressbar reads done: its
 * maximum is the rows the run sends (issue 13: invalid, excluded and carried-over rows
 * are not counted), at most the file's `total` rows.
 */
export async function waitForImportFinished(page: Page, total: number): Promise<void> {
  const c = controls(page);
  await expect(c.statusRegion.filter({ hasText: 'Import finished' }).first()).toBeAttached({
    timeout: IMPORT_TIMEOUT_MS,
  });
  const max = Number(await c.progress.getAttribute('aria-valuemax'));
  expect(max).toBeLessThanOrEqual(total);
  await expect(c.progress).toHaveAttribute('aria-valuenow', String(max));
}

/** Presses Cancel and confirms it ("Cancel the import"). */
export async function cancelRun(page: Page): Promise<void> {
  await controls(page).cancel.click();
  await page.getByRole('button', { name: 'Cancel the import', exact: true }).click();
}

/**
 * Reads the "Rows" table into objects keyed by column header. Works for a native
 * <table> and for an ARIA table built from role=row / role=cell elements.
 */
export async function readRows(page: Page): Promise<TableRow[]> {
  const table = controls(page).rowsTable;
  const matrix = await table.evaluate((t) => {
    const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
    const text = (el: Element) => norm((el as HTMLElement).innerText ?? el.textContent ?? '');
    const isHeaderCell = (el: Element) => el.tagName === 'TH' || el.getAttribute('role') === 'columnheader';
    const rows: Element[] =
      t instanceof HTMLTableElement
        ? Array.from(t.rows)
        : Array.from(t.querySelectorAll('[role="row"]'));
    return rows.map((r) => {
      const cells: Element[] =
        r instanceof HTMLTableRowElement
          ? Array.from(r.cells)
          : Array.from(r.querySelectorAll('[role="cell"],[role="gridcell"],[role="columnheader"],[role="rowheader"]'));
      return { header: cells.length > 0 && cells.every(isHeaderCell), cells: cells.map(text) };
    });
  });
  const headerRow = matrix.find((r) => r.header);
  if (!headerRow) throw new Error('table "Rows" has no header row');
  for (const col of COLUMNS) {
    if (!headerRow.cells.includes(col)) {
      throw new Error(`table "Rows" lacks column "${col}"; headers are ${JSON.stringify(headerRow.cells)}`);
    }
  }
  return matrix
    .filter((r) => !r.header)
    .map((r) => {
      const obj = {} as TableRow;
      for (const col of COLUMNS) obj[col] = r.cells[headerRow.cells.indexOf(col)] ?? '';
      return obj;
    });
}

/** The table's word for each state (the core's STATE_NAMES): the report's statuses are
 * its own (`skipped` there is `excluded` or `not sent` here, `pending` is `ready`). */
export const TABLE_WORDS = ['ready', 'sending', 'created', 'updated', 'exists', 'invalid', 'excluded', 'not sent', 'rejected', 'failed', 'unknown'] as const;
export type TableWord = (typeof TABLE_WORDS)[number];

/** The single status word in a Status cell; throws unless exactly one is present. */
export function statusWord(cell: string): TableWord {
  const found = TABLE_WORDS.filter((w) => new RegExp(`\\b${w}\\b`, 'i').test(cell));
  if (found.length !== 1) {
    throw new Error(`Status cell ${JSON.stringify(cell)} does not hold exactly one status word (${found.join(',')})`);
  }
  return found[0];
}

/** Every password cell is a non-empty mask: no letter or digit, and not the password. */
export function expectMasked(rows: TableRow[], passwords: string[]): void {
  rows.forEach((r, i) => {
    const cell = r.Password;
    expect(cell, `row ${i + 1} Password cell`).not.toBe('');
    expect(cell, `row ${i + 1} Password cell must be a mask`).not.toMatch(/[\p{L}\p{N}]/u);
    expect(cell).not.toContain(passwords[i]);
  });
}

/** None of the given passwords occurs in the visible text nor anywhere in the DOM. */
export async function expectNoPasswordsInPage(page: Page, passwords: string[]): Promise<void> {
  const text = await page.locator('body').innerText();
  const html = await page.content();
  for (const p of passwords) {
    expect(text, `password ${JSON.stringify(p)} must not be shown`).not.toContain(p);
    expect(html, `password ${JSON.stringify(p)} must not be in the DOM`).not.toContain(p);
  }
}

export type { Locator };
