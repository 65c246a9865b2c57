import { test, expect } from '../lib/fixtures';
import { resetSandbox } from '../lib/sandbox';
import { writeFixture } from '../lib/files';
import { controls, openApp } from '../lib/app';
import { clickStart } from '../lib/watchdog';
import { startProfile } from '../lib/profile';

const N = Number(process.env.TMP_ROWS ?? 100_000);
function auroraFile(n: number, tag: string): string {
  return Array.from({ length: n }, (_, i) => `${tag}${i + 1}@localhost | Pw-${tag}-${i + 1}`).join('\n') + '\n';
}
test('profile of Start', async ({ page, sandbox }) => {
  test.setTimeout(600_000);
  await resetSandbox({ aurora: { latency_ms: 0 } });
  await page.addInitScript(() => {
    const w = window as any;
    w.__longtasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  await openApp(page);
  const ui = controls(page);
  await ui.chooseFile.setInputFiles(writeFixture('tmpstart.txt', auroraFile(N, 'st')));
  await expect(ui.progress).toHaveAttribute('aria-valuemax', String(N), { timeout: 300_000 });
  await ui.serverUrl.fill(sandbox.auroraServerUrl);
  await ui.password.fill('12345');
  await expect(ui.start).toBeEnabled({ timeout: 300_000 });
  await page.waitForTimeout(2000);
  const profiler = await startProfile(page, 250);
  const t0 = await page.evaluate(() => performance.now());
  await clickStart(page);
  await page.waitForTimeout(3000);
  const tasks = await page.evaluate((since) => (window as any).__longtasks.filter((l: any) => l.start >= since), t0);
  console.log(await profiler.stop(tasks, 50, 45));
  console.log(`[tmp] long tasks after Start: ${tasks.map((t: any) => `${Math.round(t.duration)}@${((t.start - t0) / 1000).toFixed(2)}`).join(' ')}`);
});
