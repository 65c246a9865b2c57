/**
 * End-to-end: the page works by keyboard alone (issue 13).
 *  - The windowed rows table: ↓ from a row's Edit button reaches every row's Edit button,
 *    though only a window of rows is rendered at a time; ↑ and End, Home go back.
 *  - The focus stays on a sensible control after Start, Pause, Resume and Save row,
 *    instead of dropping to <body>; Esc closes the row editor.
 */
import type { Page } from '@playwright/test';
import { test, expect } from '../lib/fixtures';
import { configureSandbox } from '../lib/sandbox';
import { writeFixture } from '../lib/files';
import { controls, fillAurora, loadFile, openApp } from '../lib/app';

const ROWS = 120;

function file(n = ROWS): string {
  return Array.from({ length: n }, (_, i) => `u${i + 1}@localhost | pw-${i + 1}`).join('\n') + '\n';
}

/** The accessible name of the focused element (its aria-label or text), or its tag. */
async function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return 'BODY';
    return el.getAttribute('aria-label') ?? (el.textContent ?? '').trim();
  });
}

for (const viewport of [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
]) {
  test.describe(`${viewport.width} px`, () => {
    test.use({ viewport });
    test('↓ from the first row reaches every row of a 120-row table, ↑ and Home/End go back', async ({ page }) => {
      await everyRowByKeyboard(page);
    });
  });
}

async function everyRowByKeyboard(page: Page): Promise<void> {
  await openApp(page);
  await loadFile(page, writeFixture('keys.txt', file()));
  await page.getByRole('button', { name: 'Edit line 1', exact: true }).focus();
  expect(await focused(page)).toBe('Edit line 1');

  for (let n = 2; n <= ROWS; n++) {
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => focused(page), { message: `↓ reaches Edit line ${n}` }).toBe(`Edit line ${n}`);
  }
  // The last row's Edit button shows on screen (scrolled into view, sideways too at 390 px).
  await expect(page.getByRole('button', { name: `Edit line ${ROWS}`, exact: true })).toBeInViewport({ ratio: 0.9 });
  // Past the end, the focus stays on the last row.
  await page.keyboard.press('ArrowDown');
  await expect.poll(() => focused(page)).toBe(`Edit line ${ROWS}`);

  await page.keyboard.press('ArrowLeft');
  await expect.poll(() => focused(page)).toBe(`Exclude line ${ROWS}`);
  await page.keyboard.press('ArrowUp');
  await expect.poll(() => focused(page)).toBe(`Exclude line ${ROWS - 1}`);
  await page.keyboard.press('Home');
  await expect.poll(() => focused(page)).toBe('Exclude line 1');
  await page.keyboard.press('ArrowRight');
  await expect.poll(() => focused(page)).toBe('Edit line 1');
  await page.keyboard.press('End');
  await expect.poll(() => focused(page)).toBe(`Edit line ${ROWS}`);

  // The row controls still work from the keyboard after the window moved.
  await page.keyboard.press('Enter');
  await expect(page.getByRole('form', { name: `Edit line ${ROWS}` })).toBeVisible();
}

test('the row editor: opens on its first field, Esc closes it, Save row returns to the row', async ({ page }) => {
  await openApp(page);
  await loadFile(page, writeFixture('keys.txt', file(60)));
  const edit = page.getByRole('button', { name: 'Edit line 40', exact: true });
  await page.getByRole('button', { name: 'Edit line 1', exact: true }).focus();
  for (let n = 2; n <= 40; n++) await page.keyboard.press('ArrowDown');
  await expect.poll(() => focused(page)).toBe('Edit line 40');
  await page.keyboard.press('Enter');
  const editor = page.getByRole('form', { name: 'Edit line 40' });
  await expect(editor).toBeVisible();
  await expect(editor.getByRole('textbox').first()).toBeFocused();

  await page.keyboard.press('Escape');
  await expect(editor).toBeHidden();
  await expect(edit).toBeFocused();

  await page.keyboard.press('Enter');
  await expect(editor).toBeVisible();
  await editor.getByRole('textbox').first().fill('changed40@localhost');
  await editor.getByRole('button', { name: 'Save row' }).press('Enter');
  await expect(editor).toBeHidden();
  await expect(edit).toBeFocused();
  await expect(controls(page).rowsTable.getByText('changed40@localhost')).toBeVisible();
});

test('the focus stays on the run controls: Start → Pause, Pause → Resume, Resume → Pause, end → Download report', async ({
  page,
  sandbox,
}) => {
  const c = controls(page);
  await openApp(page);
  await loadFile(page, writeFixture('keys.txt', file(40)));
  await fillAurora(page, { serverUrl: sandbox.auroraServerUrl, login: 'superadmin', password: '12345' });
  await configureSandbox({ aurora: { latency_ms: 200 } });

  await c.start.focus();
  await page.keyboard.press('Enter');
  // The file has no header: Start asks about its password column first, with the focus
  // on the safe answer; Shift+Tab reaches the yes (issue 21).
  await expect(page.getByRole('button', { name: 'No, let me check the columns' })).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(page.getByRole('button', { name: 'Yes, import with this column' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(c.pause).toBeFocused({ timeout: 15_000 });

  await page.keyboard.press('Enter');
  await expect(c.resume).toBeFocused();
  await expect(c.statusRegion.filter({ hasText: 'Import paused' }).first()).toBeAttached();

  await configureSandbox({ aurora: { latency_ms: 0 } });
  await page.keyboard.press('Enter');
  // Resumed: Pause has the focus again (unless the last rows finished first).
  await expect
    .poll(async () => (await focused(page)) === 'Pause' || (await focused(page)) === 'Download report')
    .toBe(true);

  await expect(c.statusRegion.filter({ hasText: 'Import finished' }).first()).toBeAttached({ timeout: 30_000 });
  await expect(c.downloadReport).toBeFocused();
});
