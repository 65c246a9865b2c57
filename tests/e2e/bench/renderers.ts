// The memory of the browser's renderer processes, for the benches that report it
// (parse.bench.ts, sheets.bench.ts).
import * as fs from 'node:fs';
import type { Page } from '@playwright/test';

/** The renderer processes of this browser (CDP SystemInfo) with their memory from /proc. */
export async function rendererMemory(page: Page): Promise<{ pid: number; rss_bytes: number; peak_rss_bytes: number }[]> {
  const cdp = await page.context().browser()!.newBrowserCDPSession();
  try {
    const info: any = await cdp.send('SystemInfo.getProcessInfo');
    const out = [];
    for (const p of info.processInfo as { type: string; id: number }[]) {
      if (p.type !== 'renderer') continue;
      try {
        const status = fs.readFileSync(`/proc/${p.id}/status`, 'utf8');
        const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
        out.push({ pid: p.id, rss_bytes: kb('VmRSS'), peak_rss_bytes: kb('VmHWM') });
      } catch {
        // Not on this machine's /proc (a remote browser): leave it out.
      }
    }
    return out.sort((a, b) => b.rss_bytes - a.rss_bytes);
  } finally {
    await cdp.detach();
  }
}
