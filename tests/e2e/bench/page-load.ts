/**
 * Shared by the page benches: a CSV generated in the page (so no 100 MB crosses the
 * DevTools protocol) and Roster's load of it through the page's drop zone.
 */
import * as path from 'node:path';
import type { Page } from '@playwright/test';

const NM = path.join(__dirname, '..', 'node_modules');

/** Installs the generator and the long-task observer (and, for `parsers`, PapaParse and uDSV). */
export async function prepare(page: Page, parsers = false) {
  if (parsers) {
    await page.addScriptTag({ path: path.join(NM, 'papaparse', 'papaparse.min.js') });
    await page.addScriptTag({ path: path.join(NM, 'udsv', 'dist', 'uDSV.iife.min.js') });
  }
  await page.evaluate(() => {
    const w = window as any;
    // dirty: one row in 1000 with a bad address (no "@"), and 200 rows repeating the
    // previous row's address (so 200 addresses appear twice).
    w.__gen = (rows: number, delim: string, dirty: boolean): string => {
      let seed = 42;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
      const word = (n: number) => {
        let s = '';
        for (let i = 0; i < n; i++) s += String.fromCharCode(97 + Math.floor(rnd() * 26));
        return s;
      };
      // 200 duplicates from 2000 rows on; fewer in smaller files (one row in 10).
      const dupEvery = Math.max(10, Math.floor(rows / 200));
      const parts: string[] = [['email', 'password', 'name', 'role', 'quota_mb', 'note'].join(delim)];
      for (let i = 0; i < rows; i++) {
        const quoted = i % 10 === 0;
        const name = quoted ? `"${word(6)}${delim} ${word(7)}"` : `${word(6)} ${word(7)}`;
        let email = `user${i}@example.com`;
        if (dirty && i % 1000 === 500) email = `user${i} at example.com`;
        else if (dirty && i % dupEvery === dupEvery - 1) email = `user${i - 1}@example.com`;
        parts.push([email, `Pw-${word(10)}`, name, '2', String(100 + (i % 900)), word(24)].join(delim));
      }
      return parts.join('\n') + '\n';
    };
    w.__longtasks = [] as number[];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longtasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
}

/**
 * Drops generated text on the page's drop zone; resolves with ms until the rows are planned,
 * and how many rows are ready to send (the rest invalid).
 */
export async function rosterLoad(page: Page, rows: number, delim: string, dirty: boolean): Promise<{ ms: number; bytes: number; ready: number; longest: number; total: number }> {
  return page.evaluate(
    async ({ rows, delim, dirty }) => {
      const w = window as any;
      // A file made beforehand (`__file`, e.g. outside a profile) is used and let go.
      const file: File = w.__file ?? new File([w.__gen(rows, delim, dirty)], `bench-${rows}.csv`, { type: 'text/csv' });
      delete w.__file;
      const zone = document.querySelector('[aria-label="Drop zone"]')!;
      const bar = document.querySelector('[role="progressbar"][aria-label="Import progress"]')!;
      await new Promise((r) => setTimeout(r, 50));
      w.__longtasks.length = 0;
      // The bar's maximum is the rows ready to send, set once the file is planned (a
      // fresh page shows 0 before).
      const before = bar.getAttribute('aria-valuemax');
      const done = new Promise<number>((resolve, reject) => {
        const check = () => {
          const max = bar.getAttribute('aria-valuemax');
          if (max !== before && Number(max) > 0) {
            obs.disconnect();
            resolve(performance.now());
          }
        };
        const obs = new MutationObserver(check);
        obs.observe(bar, { attributes: true });
        setTimeout(() => {
          obs.disconnect();
          reject(new Error(`no ${rows} rows after 5 minutes: the progress bar says ${bar.getAttribute('aria-valuemax')}; the page: ${document.body.innerText.slice(0, 600)}`));
        }, 300_000);
      });
      const dt = new DataTransfer();
      dt.items.add(file);
      const t0 = performance.now();
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      const t1 = await done;
      // Let trailing tasks land in the observer.
      await new Promise((r) => setTimeout(r, 100));
      const lt: number[] = w.__longtasks;
      const ready = Number(bar.getAttribute('aria-valuemax'));
      return { ms: t1 - t0, bytes: file.size, ready, longest: lt.length ? Math.max(...lt) : 0, total: lt.reduce((a, b) => a + b, 0) };
    },
    { rows, delim, dirty },
  );
}

