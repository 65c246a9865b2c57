/**
 * The README's screenshots of every step (issue 27): the file, its rows, the target, the
 * import, a run going (the rows table under the sticky run header) and the report, each
 * at 1280 and 390 px wide, light and dark. Run by scripts/screenshots.sh; each PNG shows
 * the part of the page that step is about: `{step}-{width}-{scheme}.png`.
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

export const STEPS = ['file', 'rows', 'target', 'import', 'running', 'report'] as const;

for (const scheme of ['light', 'dark'] as const) {
  for (const width of [1280, 390]) {
    test(`every step, ${width} px, ${scheme}`, async ({ browser, sandbox }) => {
      const context = await browser.newContext({
        baseURL: sandbox.pageUrl + '/',
        colorScheme: scheme,
        viewport: { width, height: width > 600 ? 900 : 844 },
      });
      const page = await context.newPage();
      const name = (step: (typeof STEPS)[number]) => `${step}-${width}-${scheme}`;
      const heading = (text: string) => page.getByRole('heading', { name: text, exact: true });
      // Slow answers, so the run is caught in the middle.
      await configureSandbox({ aurora: { latency_ms: 350 } });
      await openApp(page);
      await loadFile(page, writeFixture('staff.csv', staffFile()));
      await waitForFileRead(page);
      await expect(page.getByText(/\d+ ready · [1-9]\d* invalid/)).toBeVisible();
      await shoot(page, name('file'), heading('1. File'));
      await shoot(page, name('rows'), heading('2. Rows'));
      await fillAurora(page, { serverUrl: sandbox.auroraServerUrl, login: 'superadmin', password: '12345' });
      await shoot(page, name('target'), heading('3. Target'));
      await page.getByLabel('Parallel requests').fill('2');
      await shoot(page, name('import'), heading('4. Import'));

      const c = controls(page);
      await startImport(page);
      await expect
        .poll(async () => Number(await c.progress.getAttribute('aria-valuenow')), { timeout: 30_000, intervals: [50] })
        .toBeGreaterThanOrEqual(8);
      // Mid-run, at the rows table: the run header sticks in view.
      await shoot(page, name('running'), heading('2. Rows'));

      await expect(c.statusRegion.filter({ hasText: 'Import finished' }).first()).toBeAttached({ timeout: 60_000 });
      await page.mouse.move(0, 0);
      await shoot(page, name('report'), heading('4. Import'));
      await context.close();
    });
  }
}
