/**
 * Issue 13, the admin's flow: honest progress and repeat-safe runs, against the sandbox's
 * Aurora. Start says why it is disabled; the bar counts only the rows to send; a paused
 * run's pace stands still; Cancel asks first and the run then says what it did not send;
 * after a run, "Retry N rows" sends only those rows, and sending the whole file
 * again asks first. Requests are counted by the sandbox (/_sandbox/state).
 */
import type { Page } from '@playwright/test';
import { test, expect } from '../lib/fixtures';
import { configureSandbox, sandboxState } from '../lib/sandbox';
import { writeFixture } from '../lib/files';
import { controls, fillAurora, loadFile, openApp, startImport } from '../lib/app';

function auroraFile(n: number, prefix: string): string {
  return Array.from({ length: n }, (_, i) => `${prefix}${i + 1}@localhost | pw-${prefix}${i + 1}`).join('\n') + '\n';
}

async function settings(page: Page, parallel: number, attempts: number) {
  await page.getByLabel('Parallel requests').fill(String(parallel));
  await page.getByLabel('Attempts per row').fill(String(attempts));
}

async function creates(): Promise<number> {
  return (await sandboxState()).aurora.create_calls;
}

/** The live region's last sentence says the run is over. */
async function waitForEnd(page: Page, words: string, timeout = 30_000) {
  await expect(controls(page).statusRegion.filter({ hasText: words }).first()).toBeAttached({ timeout });
}

test.describe('honest progress and repeat-safe runs', () => {
  test('a file of invalid rows only: empty bar, Start disabled with the reason next to it', async ({ page, sandbox }) => {
    const c = controls(page);
    await openApp(page);
    // Nothing chosen yet: Start says why it is disabled; no run button is shown.
    await expect(c.start).toBeDisabled();
    await expect(c.start).toHaveAccessibleDescription(/Choose a file/);
    await expect(c.pause).toHaveCount(0);
    await expect(c.resume).toHaveCount(0);
    await expect(c.cancel).toHaveCount(0);

    await loadFile(page, writeFixture('invalid.txt', 'not-an-address | pw1\nalso wrong | pw2\n'));
    await c.target.selectOption({ label: 'Aurora' });
    await expect(c.start).toHaveAccessibleDescription(/Server URL/);
    await c.serverUrl.fill(sandbox.auroraServerUrl);
    await c.login.fill('superadmin');
    await c.password.fill('');
    await expect(c.start).toBeDisabled();
    await expect(c.start).toHaveAccessibleDescription(/Enter/);
    await c.password.fill('12345');
    await expect(c.start).toBeDisabled();
    await expect(c.start).toHaveAccessibleDescription(/No row can be sent/);
    await expect(page.getByText('No row can be sent')).toBeVisible();

    // The bar counts the rows to send: none, so it is empty, not full.
    await expect(c.progress).toHaveAttribute('aria-valuemax', '0');
    await expect(c.progress).toHaveAttribute('aria-valuenow', '0');
    await expect(c.progress).toHaveAttribute('aria-valuetext', 'No rows to send');
    await expect(page.getByText('Not in this run: 2 invalid')).toBeVisible();
    expect((await sandboxState()).aurora.logins).toBe(0);
  });

  test('after a run: Retry N rows sends only those; the whole file again asks first', async ({ page, sandbox }) => {
    test.setTimeout(90_000);
    const c = controls(page);
    const n = 9;
    // Every third create answers Result:false (nothing stored): with one attempt per
    // row and one request at a time, rows 3, 6 and 9 end failed.
    await configureSandbox({ aurora: { result_false_every: 3 } });
    await openApp(page);
    await loadFile(page, writeFixture('retry.txt', auroraFile(n, 'r')));
    await fillAurora(page, { serverUrl: sandbox.auroraServerUrl, login: 'superadmin', password: '12345' });
    await settings(page, 1, 1);
    await expect(c.progress).toHaveAttribute('aria-valuemax', String(n));
    await startImport(page);
    await waitForEnd(page, 'Import finished');
    await expect(c.progress).toHaveAttribute('aria-valuenow', String(n));
    await expect(c.progress).toHaveAttribute('aria-valuetext', /6 created, 0 exists, 3 problems/);
    expect(await creates()).toBe(n);
    expect((await sandboxState()).aurora.users).toHaveLength(6);

    const retry = page.getByRole('button', { name: 'Retry 3 rows', exact: true });
    await expect(retry).toBeEnabled();

    // Start import again: a question, not a request.
    await startImport(page);
    const question = page.getByRole('group').filter({ hasText: 'Send the whole file again?' });
    await expect(question).toBeVisible();
    await expect(question).toContainText('6 of its rows');
    await expect(page.getByRole('button', { name: "Don't send" })).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(question).toHaveCount(0);
    await expect(c.start).toBeFocused();
    await page.waitForTimeout(500);
    expect(await creates()).toBe(n);

    // The history keeps the run, with its reports.
    const history = page.getByRole('list', { name: 'Runs in this tab' });
    await expect(history.getByRole('listitem')).toHaveCount(1);
    await expect(history).toContainText('6 created');
    await expect(page.getByRole('button', { name: 'Run 1 report (CSV)' })).toBeEnabled();

    // The retry sends the three failed rows, nothing else.
    await configureSandbox({ aurora: { result_false_every: null } });
    await retry.click();
    await expect(c.progress).toHaveAttribute('aria-valuemax', '3');
    await waitForEnd(page, 'Import finished');
    await expect(c.progress).toHaveAttribute('aria-valuenow', '3');
    expect(await creates()).toBe(n + 3);
    const state = await sandboxState();
    expect(state.aurora.users.map((u) => u.public_id).sort()).toEqual(
      Array.from({ length: n }, (_, i) => `r${i + 1}@localhost`).sort(),
    );
    await expect(history.getByRole('listitem')).toHaveCount(2);
    await expect(history.getByRole('listitem').first()).toContainText('Run 2 (retry)');
    await expect(page.getByRole('button', { name: /^Retry/ })).toHaveCount(0);
    const [report] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Run 2 report (CSV)' }).click(),
    ]);
    expect(report.suggestedFilename()).toMatch(/^roster-report-run2-aurora-.*\.csv$/);

    // Sending the whole file again, once confirmed: every row goes, and ends exists.
    await startImport(page);
    await expect(question).toContainText(`${n} of its rows`);
    await page.getByRole('button', { name: 'Send the whole file again' }).click();
    await waitForEnd(page, `Import finished: ${n} exists`);
    expect(await creates()).toBe(2 * n + 3);
  });

  test('paused: the pace stands still; Cancel asks, then says how many rows were not sent', async ({ page, sandbox }) => {
    test.setTimeout(90_000);
    const c = controls(page);
    const n = 40;
    await configureSandbox({ aurora: { latency_ms: 300 } });
    await openApp(page);
    await loadFile(page, writeFixture('cancel.txt', auroraFile(n, 'c')));
    await fillAurora(page, { serverUrl: sandbox.auroraServerUrl, login: 'superadmin', password: '12345' });
    await settings(page, 1, 4);
    await startImport(page);
    await expect(c.start).toHaveCount(0);
    await expect(c.pause).toBeFocused();
    // Some seconds of sending, so that there is a rate and a time left.
    await expect.poll(async () => (await sandboxState()).aurora.users.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(8);
    // The pace line (issue 27: a count under a minute, "N requests in 12 s").
    const pace = page.getByText(/\d+ requests? in |no request yet|requests\/min/);
    await expect(pace).toContainText('left', { timeout: 10_000 });

    await c.pause.click();
    await expect(c.resume).toBeFocused();
    await expect(c.pause).toHaveCount(0);
    await expect(pace).toContainText('Paused');
    await page.waitForTimeout(1_000); // the request in flight comes back
    const frozen = await pace.innerText();
    await page.waitForTimeout(2_500);
    expect(await pace.innerText()).toBe(frozen);

    // Cancel asks first; "Keep importing" leaves the run as it was.
    const sentBefore = await creates();
    await c.cancel.click();
    const question = page.getByRole('group').filter({ hasText: 'Cancel the import?' });
    await expect(question).toBeVisible();
    await expect(page.getByRole('button', { name: 'Keep importing' })).toBeFocused();
    await page.getByRole('button', { name: 'Keep importing' }).click();
    await expect(question).toHaveCount(0);
    await expect(c.cancel).toBeFocused();
    await expect(c.resume).toBeVisible();

    await c.cancel.click();
    await page.getByRole('button', { name: 'Cancel the import' }).click();
    await waitForEnd(page, 'Import stopped');
    const created = (await sandboxState()).aurora.users.length;
    expect(await creates()).toBe(sentBefore);
    const notSent = n - created;
    expect(notSent).toBeGreaterThan(0);
    await expect(page.getByText(`Cancelled: ${notSent} not sent.`)).toBeVisible();
    await expect(c.progress).toHaveAttribute('aria-valuenow', String(n));
    await expect(c.progress).toHaveAttribute('aria-valuetext', new RegExp(`${notSent} not sent`));
    await expect(c.cancel).toHaveCount(0);
    // The rows the cancel left unsent are the ones to retry.
    await expect(page.getByRole('button', { name: `Retry ${notSent} rows`, exact: true })).toBeVisible();
  });
});
