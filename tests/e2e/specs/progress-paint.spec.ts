/**
 * Issue 26, latency: while a run sends, its progress bar does not animate. The bar moves
 * at every display step (every 100 ms); a width transition restarted that often never
 * ended, a style, layout and paint of the page at every frame on the main thread, which
 * also reads the answers and starts the next requests (BENCHMARKS.md, "Importing through
 * the page").
 */
import { test, expect } from '../lib/fixtures';
import { resetSandbox } from '../lib/sandbox';
import { writeFixture } from '../lib/files';
import { fillAurora, loadFile, openApp, startImport, waitForImportFinished } from '../lib/app';

test('the progress bar does not animate while a run sends', async ({ page, sandbox }) => {
  await resetSandbox({ aurora: { latency_ms: 60 } });
  const n = 30;
  let text = 'email | password\n';
  for (let i = 1; i <= n; i++) text += `bar${i}@localhost | Pw-bar-${i}\n`;
  await openApp(page);
  await loadFile(page, writeFixture('progress-paint.txt', text));
  await fillAurora(page, { serverUrl: sandbox.auroraServerUrl, login: 'superadmin', password: '12345' });
  await page.getByLabel('Parallel requests').fill('1');
  await startImport(page);
  // 30 creates one at a time at 60 ms: about 2 s; looked at every 100 ms for 1.5 s.
  const seen: string[] = [];
  for (let i = 0; i < 15; i++) {
    const now = await page.evaluate(() =>
      document
        .getAnimations()
        .filter((a) => {
          const target = (a.effect as KeyframeEffect | null)?.target;
          return target instanceof Element && target.closest('.progress') !== null;
        })
        .map((a) => (a instanceof CSSTransition ? `transition of ${a.transitionProperty}` : 'animation')),
    );
    seen.push(...now);
    await page.waitForTimeout(100);
  }
  await waitForImportFinished(page, n);
  expect(seen).toEqual([]);
});
