/**
 * The README's screenshots, light and dark, of the three main moments: a file loaded with
 * problems, an import mid-run, and a finished import. Run by scripts/screenshots.sh; each
 * PNG is 1280 px wide and shows the part of the page that moment is about.
 */
import * as path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { test, expect } from '../lib/fixtures';
import { configureSandbox } from '../lib/sandbox';
import { writeFixture } from '../lib/files';
import { controls, fillAurora, loadFile, openApp, startImport, waitForFileRead } from '../lib/app';
import { REPO_ROOT } from '../lib/sandbox-process';

const OUT = process.env.ROSTER_SCREENSHOTS_DIR || path.join(REPO_ROOT, 'docs', 'screenshots');

const PEOPLE = [
  'Ann Lee', 'Bo Chen', 'Cy Okafor', 'Dee Novak', 'Eli Haddad', 'Fay Moreau', 'Gus Lind',
  'Hana Sato', 'Ivo Petrov', 'Jun Park', 'Kim Berg', 'Lou Diaz', 'Mia Rossi', 'Ned Kaya',
  'Ola Nilsen', 'Pia Weber', 'Quin Ruiz', 'Rex Adler', 'Sia Kumar', 'Tom Varga',
  'Uma Singh', 'Vic Hale', 'Wes Ortiz', 'Xia Long', 'Yan Dubois', 'Zoe Falk',
];

/** A staff list with a few problems a real one has: a bad address, a duplicate, a short password. */
function staffFile(): string {
  const lines = ['email,password,first name,last name'];
  PEOPLE.forEach((name, i) => {
    const [first, last] = name.split(' ');
    lines.push(`${first.toLowerCase()}.${last.toLowerCase()}@localhost,Welcome-${1000 + i}!,${first},${last}`);
  });
  lines.splice(4, 0, 'gus.lind(at)localhost,Welcome-2001!,Gus,Lind');
  lines.splice(9, 0, 'ann.lee@localhost,Welcome-2002!,Ann,Lee');
  lines.splice(14, 0, 'kai.moss@localhost,,Kai,Moss');
  return lines.join('\r\n') + '\r\n';
}

async function shoot(page: Page, name: string, from: Locator) {
  // No focus ring on whatever was typed in or pressed last.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  // Start the picture at the section's top, so each moment shows what it is about.
  await from.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: path.join(OUT, `${name}.png`) });
}

for (const scheme of ['light', 'dark'] as const) {
  test(`the three moments, ${scheme}`, async ({ browser, sandbox }) => {
    const context = await browser.newContext({
      baseURL: sandbox.pageUrl + '/',
      colorScheme: scheme,
      viewport: { width: 1280, height: 900 },
    });
    const page = await context.newPage();
    // Slow answers, so the run is caught in the middle.
    await configureSandbox({ aurora: { latency_ms: 350 } });
    await openApp(page);
    await loadFile(page, writeFixture('staff.csv', staffFile()));
    await waitForFileRead(page);
    await fillAurora(page, { serverUrl: sandbox.auroraServerUrl, login: 'superadmin', password: '12345' });
    await page.getByLabel('Parallel requests').fill('2');
    const rowsStep = page.getByRole('heading', { name: '4. Rows' });
    await expect(page.getByText(/\d+ valid · [1-9]\d* invalid/)).toBeVisible();
    await shoot(page, `loaded-${scheme}`, page.getByRole('heading', { name: '3. Import' }));

    const c = controls(page);
    await startImport(page);
    await expect
      .poll(async () => Number(await c.progress.getAttribute('aria-valuenow')), { timeout: 30_000, intervals: [50] })
      .toBeGreaterThanOrEqual(8);
    await shoot(page, `running-${scheme}`, page.getByRole('heading', { name: '3. Import' }));

    await expect(c.statusRegion.filter({ hasText: 'Import finished' }).first()).toBeAttached({ timeout: 60_000 });
    await page.mouse.move(0, 0);
    await shoot(page, `finished-${scheme}`, page.getByRole('heading', { name: '3. Import' }));
    await expect(rowsStep).toBeVisible();
    await context.close();
  });
}
