/**
 * Helpers for the input step (issue 3): dropping a file with a synthetic DataTransfer,
 * the reading settings, the row editor. Accessible names only.
 */
import * as path from 'node:path';
import { expect, type Page } from '@playwright/test';
import { controls } from './app';

/** The committed fixtures in tests/fixtures/. */
export function fixturePath(name: string): string {
  return path.resolve(__dirname, '..', '..', 'fixtures', name);
}

/** Drops a file on the "Drop zone" region: dragover, then drop, with a real DataTransfer. */
export async function dropFile(page: Page, name: string, content: Buffer, type = 'text/csv'): Promise<void> {
  await controls(page).dropZone.evaluate(
    (zone, file) => {
      const bin = atob(file.b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], file.name, { type: file.type }));
      for (const kind of ['dragenter', 'dragover', 'drop']) {
        zone.dispatchEvent(new DragEvent(kind, { dataTransfer: dt, bubbles: true, cancelable: true }));
      }
    },
    { name, b64: content.toString('base64'), type },
  );
}

export function inputControls(page: Page) {
  return {
    encoding: page.getByLabel('Encoding', { exact: true }),
    delimiter: page.getByLabel('Delimiter', { exact: true }),
    skipLines: page.getByLabel('Skip lines', { exact: true }),
    header: page.getByLabel('First line is a header', { exact: true }),
    paste: page.getByLabel('Paste rows', { exact: true }),
    loadPasted: page.getByRole('button', { name: 'Load pasted rows' }),
    onlyProblems: page.getByLabel('Only rows with problems or warnings', { exact: true }),
    template: page.getByRole('button', { name: 'Download template' }),
    minPassword: page.getByLabel('Minimum password length', { exact: true }),
    defaultRole: page.getByLabel('Default role', { exact: true }),
    defaultQuota: page.getByLabel('Default quota (MB)', { exact: true }),
    defaultTenant: page.getByLabel('Default tenant ID', { exact: true }),
    counts: page.getByText(/^\d+ ready · \d+ invalid · \d+ excluded$/),
    readingProgress: page.getByRole('progressbar', { name: 'Reading progress' }),
  };
}

/** The mapping select of a column, named by its header or "Column N". */
export function columnSelect(page: Page, column: string) {
  return page.getByRole('group', { name: 'Columns' }).getByLabel(column, { exact: true });
}

/** Opens the editor of the row on input line `n`, sets the given cells by column name, saves. */
export async function editRow(page: Page, n: number, cells: Record<string, string>): Promise<void> {
  await page.getByRole('button', { name: `Edit line ${n}`, exact: true }).click();
  const form = page.getByRole('form', { name: `Edit line ${n}` });
  await expect(form).toBeVisible();
  for (const [column, value] of Object.entries(cells)) {
    await form.getByLabel(column, { exact: true }).fill(value);
  }
  await form.getByRole('button', { name: 'Save row' }).click();
  await expect(form).toBeHidden();
}

/** Waits until the counts read as given. */
export async function expectCounts(page: Page, valid: number, invalid: number, excluded: number): Promise<void> {
  await expect(inputControls(page).counts).toHaveText(`${valid} ready · ${invalid} invalid · ${excluded} excluded`);
}
