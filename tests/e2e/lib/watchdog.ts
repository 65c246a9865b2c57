/**
 * Waiting for an import to end without hanging: a run that makes no progress (no row
 * done, no request reaching the sandbox) for a while fails with a diagnosis of the page
 * (live region, alerts, progress, Start button, reading/checking indicator) and of the
 * sandbox (request counters, knobs), instead of waiting out a long timeout in silence.
 */
import { expect, type Page } from '@playwright/test';
import { answerGuesses, controls } from './app';
import { sandboxState } from './sandbox';

/** How long a run may go without progress before it counts as stalled (BENCH_STALL_MS). */
export const STALL_MS = Number(process.env.BENCH_STALL_MS ?? 60_000);

/** What the page shows about the run and the file, in a few lines. */
export async function describePage(page: Page): Promise<string> {
  try {
    const facts = await page.evaluate(() => {
      const text = (el: Element | null) => (el ? (el as HTMLElement).innerText.replace(/\s+/g, ' ').trim() : null);
      const bar = document.querySelector('[role="progressbar"][aria-label="Import progress"]');
      const start = Array.from(document.querySelectorAll('button')).find((b) => b.textContent?.trim() === 'Start import');
      return {
        status: Array.from(document.querySelectorAll('[role="status"]')).map(text),
        alerts: Array.from(document.querySelectorAll('[role="alert"]')).map(text),
        progress: bar?.getAttribute('aria-valuetext') ?? null,
        start_button: start ? (start.disabled ? 'disabled' : 'enabled') : 'absent',
        reading_or_checking: text(document.querySelector('[role="progressbar"][aria-label="Reading progress"]')?.parentElement ?? null),
        tally: text(document.querySelector('.tally')),
        pace: text(document.querySelector('.pace')),
        visibility: document.visibilityState,
      };
    });
    return JSON.stringify(facts, null, 2);
  } catch (e) {
    return `(the page could not be read: ${(e as Error).message})`;
  }
}

/** The sandbox's request counters and knobs (users left out). */
export async function describeSandbox(): Promise<string> {
  try {
    const s = await sandboxState();
    const { users: au, ...aurora } = s.aurora;
    const { users: mu, ...mumara } = s.mumara;
    return JSON.stringify(
      { aurora: { ...aurora, users: au.length }, mumara: { ...mumara, users: mu.length }, preflights: s.preflights, config: s.config },
      null,
      2,
    );
  } catch (e) {
    return `(the sandbox could not be read: ${(e as Error).message})`;
  }
}

export async function diagnosis(page: Page, why: string): Promise<string> {
  return `${why}\n--- page ---\n${await describePage(page)}\n--- sandbox ---\n${await describeSandbox()}`;
}

/** Every request the sandbox has counted, of any kind. */
async function requestsSeen(): Promise<number> {
  const s = await sandboxState();
  return s.aurora.logins + s.aurora.create_calls + s.mumara.add_calls + s.mumara.rate_limited + s.preflights;
}

/**
 * Clicks Start once it is enabled (confirming a guessed column if it asks about one);
 * fails with a diagnosis if it stays disabled.
 */
export async function clickStart(page: Page, timeoutMs = STALL_MS): Promise<void> {
  const start = controls(page).start;
  try {
    await expect(start).toBeEnabled({ timeout: timeoutMs });
  } catch {
    throw new Error(await diagnosis(page, `"Start import" stayed disabled for ${timeoutMs / 1000} s`));
  }
  await start.click({ timeout: timeoutMs });
  await answerGuesses(page);
}

/**
 * Waits until the live region says "Import finished" (or "Import stopped", which fails).
 * Fails with a diagnosis when neither the rows done nor the sandbox's request counters
 * move for `stallMs`, or after `overallMs` in all.
 */
export async function waitForRunEnd(
  page: Page,
  opts: { overallMs: number; stallMs?: number; what?: string },
): Promise<void> {
  const stallMs = opts.stallMs ?? STALL_MS;
  const what = opts.what ?? 'the import';
  const c = controls(page);
  const t0 = Date.now();
  let lastDone: string | null = null;
  // The sandbox's state lists every user, so it is only asked when the page stands still.
  let lastSeen = await requestsSeen();
  let movedAt = Date.now();
  for (;;) {
    const said = (await c.statusRegion.allInnerTexts()).join(' ');
    if (said.includes('Import finished')) return;
    if (said.includes('Import stopped') || said.includes('Import not started') || said.includes('Not started')) {
      throw new Error(await diagnosis(page, `${what} ended without finishing: ${said}`));
    }
    const done = await c.progress.getAttribute('aria-valuenow');
    if (done !== lastDone) {
      lastDone = done;
      movedAt = Date.now();
    } else if (Date.now() - movedAt >= 5_000) {
      const seen = await requestsSeen();
      if (seen !== lastSeen) {
        lastSeen = seen;
        movedAt = Date.now();
      }
    }
    const mark = `${lastDone} rows done, ${lastSeen} requests seen by the sandbox`;
    const now = Date.now();
    if (now - movedAt >= stallMs) {
      throw new Error(
        await diagnosis(page, `${what} made no progress for ${Math.round((now - movedAt) / 1000)} s (${mark})`),
      );
    }
    if (now - t0 >= opts.overallMs) {
      throw new Error(await diagnosis(page, `${what} did not finish within ${Math.round(opts.overallMs / 1000)} s`));
    }
    await page.waitForTimeout(1000);
  }
}
