/**
 * End-to-end: the page is usable at any width and by assistive technology (issue 13).
 *
 * In every state a user meets (empty, file loaded, mid-run, paused, finished, login
 * failed, run stopped by the server), at 1280 and 390 px, in light and dark:
 *  - axe-core (injected from node_modules) finds no serious or critical violation;
 *  - every enabled form field's border has 3:1 contrast against its surroundings;
 *  - at 390 px the page never scrolls sideways (only the rows table may, in its own box).
 */
import { test, expect } from '../lib/fixtures';
import { configureSandbox } from '../lib/sandbox';
import { writeFixture } from '../lib/files';
import { fixturePath } from '../lib/input';
import { controls, fillAurora, loadFile, openApp, startImport } from '../lib/app';
import { expectAccessible, useAxe } from '../lib/a11y';

const ROWS = 120;

/** 120 rows, a few of them invalid (no password, a bad address), so the table shows problems. */
function file(): string {
  const lines = Array.from({ length: ROWS }, (_, i) => {
    const n = i + 1;
    if (n % 40 === 7) return `bad-address-${n} | pw-${n}`;
    if (n % 40 === 23) return `nopass${n}@localhost |`;
    return `u${n}@localhost | pw-${n}`;
  });
  return lines.join('\n') + '\n';
}

const VIEWS = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
] as const;

for (const scheme of ['light', 'dark'] as const) {
  for (const view of VIEWS) {
    test.describe(`${view.width} px, ${scheme}`, () => {
      test.use({ viewport: view, colorScheme: scheme });

      test('no serious axe violation and no sideways scroll: empty, loaded, mid-run, paused, finished', async ({
        page,
        sandbox,
      }) => {
        const c = controls(page);
        await useAxe(page);
        await openApp(page);
        await expectAccessible(page, 'empty', view.width);

        await loadFile(page, writeFixture('a11y.txt', file()));
        await fillAurora(page, { serverUrl: sandbox.auroraServerUrl, login: 'superadmin', password: '12345' });
        await expect(c.rowsTable.getByText('invalid', { exact: true }).first()).toBeVisible();
        await expectAccessible(page, 'loaded', view.width);

        // Slow answers keep the run going while it is checked.
        await configureSandbox({ aurora: { latency_ms: 250 } });
        await startImport(page);
        await expect(c.pause).toBeEnabled({ timeout: 15_000 });
        await expect(c.progress).not.toHaveAttribute('aria-valuenow', '0');
        await expectAccessible(page, 'mid-run', view.width);

        await c.pause.click();
        await expect(c.resume).toBeEnabled();
        await expect(c.statusRegion.filter({ hasText: 'Import paused' }).first()).toBeAttached();
        await expectAccessible(page, 'paused', view.width);

        await configureSandbox({ aurora: { latency_ms: 0 } });
        await c.resume.click();
        await expect(c.statusRegion.filter({ hasText: 'Import finished' }).first()).toBeAttached({ timeout: 30_000 });
        await expectAccessible(page, 'finished', view.width);
      });

      test('no serious axe violation and no sideways scroll: a workbook of several sheets, its Sheet select', async ({
        page,
      }) => {
        await useAxe(page);
        await openApp(page);
        await controls(page).chooseFile.setInputFiles(fixturePath('sheets/three-sheets.xlsx'));
        const sheet = page.getByLabel('Sheet', { exact: true });
        await expect(sheet).toBeVisible({ timeout: 30_000 });
        await expect(page.getByText(/^three-sheets\.xlsx: .*Sheet "/)).toBeVisible();
        await expectAccessible(page, 'workbook', view.width);
        // The select is reached by the keyboard and names the hidden sheet as hidden.
        await sheet.focus();
        await expect(sheet).toBeFocused();
        await expect(sheet.locator('option', { hasText: '(hidden)' })).toHaveCount(1);
      });

      test('no serious axe violation and no sideways scroll: login failed, run stopped by the server', async ({
        page,
        sandbox,
      }) => {
        const c = controls(page);
        await useAxe(page);
        await openApp(page);
        await loadFile(page, writeFixture('a11y.txt', file()));
        await fillAurora(page, { serverUrl: sandbox.auroraServerUrl, login: 'superadmin', password: 'wrong' });
        await startImport(page);
        await expect(c.statusRegion.filter({ hasText: 'the login failed' }).first()).toBeAttached({ timeout: 15_000 });
        await expectAccessible(page, 'login failed', view.width);

        // The server refuses to create users: the run stops with a banner.
        await configureSandbox({ aurora: { create_denied: true } });
        await c.password.fill('12345');
        await startImport(page);
        await expect(c.statusRegion.filter({ hasText: 'Import stopped' }).first()).toBeAttached({ timeout: 30_000 });
        await expect(page.getByRole('alert').first()).toBeVisible();
        await expectAccessible(page, 'stopped', view.width);
      });
    });
  }
}
