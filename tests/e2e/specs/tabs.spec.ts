/**
 * Issue 20, two tabs, one file: a run holds the Web Lock of its file, target and server
 * for its whole life. A second tab of the same browser context (same origin, same
 * localStorage) with the same file and server is told the run is going there, is offered
 * nothing that would send (Start, Retry, Resume), cannot delete the first tab's journal,
 * and updates when that run ends. Two Starts pressed at once start one run. Each address
 * is counted by the sandbox (create_requests: CreateUser POSTs per PublicId).
 */
import type { Page } from '@playwright/test';
import { test, expect } from '../lib/fixtures';
import { configureSandbox, sandboxState } from '../lib/sandbox';
import { writeFixture } from '../lib/files';
import { controls, fillAurora, loadFile, openApp, startImport, waitForImportFinished } from '../lib/app';

const N = 30;
const ELSEWHERE = /being imported to this server in another tab/;

function addresses(prefix: string): string[] {
  return Array.from({ length: N }, (_, i) => `${prefix}${i + 1}@localhost`);
}

// With a header line: the two Starts pressed at once below send at once (a file without
// one asks about its guessed password column first, issue 21).
function file(prefix: string): string {
  return 'Mail | Kennwort\n' + addresses(prefix).map((a, i) => `${a} | Pw-tabs-${i + 1}`).join('\n') + '\n';
}

async function prepare(page: Page, serverUrl: string, path: string) {
  await openApp(page);
  await loadFile(page, path);
  await fillAurora(page, { serverUrl, login: 'superadmin', password: '12345' });
  await page.getByLabel('Parallel requests').fill('2');
}

/** Every address of the file was asked for exactly once. */
async function expectEachCreatedOnce(prefix: string) {
  const state = await sandboxState();
  const asked = addresses(prefix).map((a) => [a, state.aurora.create_requests[a] ?? 0]);
  expect(asked).toEqual(addresses(prefix).map((a) => [a, 1]));
  expect(state.aurora.users.map((u) => u.public_id).sort()).toEqual(addresses(prefix).sort());
}

/** The saved journals' heads, by key (the pages left out). */
async function journalHeads(page: Page): Promise<Record<string, { finished: boolean; rows: number; letters: [string, number][] }>> {
  return page.evaluate(() => {
    const out: Record<string, { finished: boolean; rows: number; letters: [string, number][] }> = {};
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i)!;
      if (/^roster\.journal\.v1\.[^.]+\.[^.]+$/.test(k)) out[k] = JSON.parse(localStorage.getItem(k)!);
    }
    return out;
  });
}

test.describe('two tabs, one file', () => {
  test('a second tab is told the run is going elsewhere, offers nothing that sends, and updates when it ends', async ({
    page,
    context,
    sandbox,
  }) => {
    test.setTimeout(120_000);
    await configureSandbox({ aurora: { latency_ms: 250 } });
    const path = writeFixture('tabs.txt', file('t'));
    await prepare(page, sandbox.auroraServerUrl, path);
    await startImport(page);
    await expect.poll(async () => (await sandboxState()).aurora.users.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);

    const second = await context.newPage();
    await prepare(second, sandbox.auroraServerUrl, path);
    expect((await sandboxState()).aurora.users.length, 'the first run is still going').toBeLessThan(N);
    // Told, and offered nothing that would send.
    await expect(second.getByRole('region', { name: 'Previous run' })).toContainText(ELSEWHERE);
    await expect(controls(second).start).toBeDisabled();
    await expect(controls(second).start).toHaveAccessibleDescription(ELSEWHERE);
    await expect(second.getByRole('button', { name: 'Resume previous run' })).toHaveCount(0);
    await expect(second.getByRole('button', { name: /^Retry/ })).toHaveCount(0);
    await expect(second.getByRole('button', { name: /^Resume saved run/ })).toHaveCount(0);
    // The first tab's journal cannot be deleted from here, and is still the one being written.
    const saved = second.getByRole('list', { name: 'Saved runs' });
    await expect(saved).toContainText('Running in another tab');
    await expect(saved.getByRole('button', { name: 'Delete saved run of tabs.txt' })).toBeDisabled();
    const during = Object.values(await journalHeads(second));
    expect(during).toHaveLength(1);
    expect(during[0].finished).toBe(false);
    expect(during[0].rows).toBe(N);

    await waitForImportFinished(page, N);
    // The second tab updates: the notice goes, the run that ended is listed as ended.
    await expect(second.getByRole('region', { name: 'Previous run' })).toHaveCount(0, { timeout: 10_000 });
    await expect(controls(second).start).not.toHaveAccessibleDescription(ELSEWHERE, { timeout: 10_000 });
    await expect(saved.getByRole('button', { name: 'Delete saved run of tabs.txt' })).toBeEnabled();
    await expect(saved).toContainText('ended');

    await expectEachCreatedOnce('t');
    // The first tab's journal survived whole: one journal, ended, every row created.
    const after = Object.values(await journalHeads(second));
    expect(after).toHaveLength(1);
    expect(after[0].finished).toBe(true);
    expect(after[0].letters).toEqual([['c', N]]);

    // Start in the second tab, whose own history is empty, asks before the whole file goes
    // again: the other tab's finished run is known from its saved journal.
    await startImport(second);
    const question = second.getByRole('group').filter({ hasText: 'Send the whole file again?' });
    await expect(question).toContainText(`${N} of its rows`);
    await expect(question).toContainText("another tab's");
    await expect(second.getByRole('button', { name: "Don't send" })).toBeFocused();
    await second.getByRole('button', { name: "Don't send" }).click();
    await expect(question).toHaveCount(0);
    await second.waitForTimeout(500);
    await expectEachCreatedOnce('t');
  });

  test('Start pressed in two tabs at once: one run, every address sent once, the other tab sends nothing', async ({
    page,
    context,
    sandbox,
  }) => {
    test.setTimeout(120_000);
    await configureSandbox({ aurora: { latency_ms: 100 } });
    const path = writeFixture('race.txt', file('r'));
    const second = await context.newPage();
    await prepare(page, sandbox.auroraServerUrl, path);
    await prepare(second, sandbox.auroraServerUrl, path);
    await expect(controls(page).start).toBeEnabled();
    await expect(controls(second).start).toBeEnabled();

    // Both presses at the same moment, before either tab has heard of the other's run:
    // each page clicks at the same wall-clock time (Playwright's click would wait for a
    // Start that the other tab's notice has disabled, and press it once that run is over).
    const at = Date.now() + 1_000;
    const press = (p: Page) =>
      controls(p).start.evaluate((b, when) => {
        setTimeout(() => (b as HTMLButtonElement).click(), when - Date.now());
      }, at);
    await Promise.all([press(page), press(second)]);

    const ran = (p: Page) => controls(p).statusRegion.filter({ hasText: /Import (started|finished)/ }).count();
    await expect.poll(async () => (await ran(page)) + (await ran(second)), { timeout: 10_000 }).toBe(1);
    const winner = (await ran(page)) === 1 ? page : second;
    const loser = winner === page ? second : page;
    await waitForImportFinished(winner, N);
    await loser.waitForTimeout(1_000);
    expect(await ran(loser)).toBe(0);
    // It was refused by the lock itself (both presses came before any notice).
    await expect(controls(loser).statusRegion.filter({ hasText: /Not started: .*another tab/ })).toHaveCount(1);
    // The tab that was refused is not left waiting: once the run is over, its Start is back.
    await expect(controls(loser).start).toBeEnabled({ timeout: 10_000 });
    await expectEachCreatedOnce('r');
    const heads = Object.values(await journalHeads(page));
    expect(heads).toHaveLength(1);
    expect(heads[0].finished).toBe(true);
    expect(heads[0].letters).toEqual([['c', N]]);
  });
});
