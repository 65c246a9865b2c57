/**
 * Issue 5, reports: "Download report" (CSV), "Download report (JSON)" and
 * "Download rows to retry", each checked against the sandbox's own state.
 */
import * as fs from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect } from '../lib/fixtures';
import { configureSandbox, sandboxState, seedSandbox } from '../lib/sandbox';
import { writeFixture } from '../lib/files';
import { parseCsv, isNeutralised } from '../lib/csv';
import { controls, loadFile, openApp, startImport, waitForImportFinished } from '../lib/app';

const ADMIN = { login: 'superadmin', password: '12345' };
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

async function download(page: Page, name: string): Promise<{ file: string; text: string }> {
  const [d] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name, exact: true }).click()]);
  const path = await d.path();
  return { file: d.suggestedFilename(), text: fs.readFileSync(path, 'utf8') };
}

async function importAurora(page: Page, serverUrl: string, file: string, attempts = '1') {
  await loadFile(page, file);
  const c = controls(page);
  await c.target.selectOption({ label: 'Aurora' });
  await c.serverUrl.fill(serverUrl);
  await c.login.fill(ADMIN.login);
  await c.password.fill(ADMIN.password);
  await page.getByLabel('Parallel requests').fill('1');
  await page.getByLabel('Attempts per row').fill(attempts);
  await startImport(page);
}

test.describe('reports', () => {
  test('CSV, JSON and rows to retry: every row once, original columns, never a password; the retry file goes straight back in', async ({
    page,
    sandbox,
    consoleErrors,
  }) => {
    const header = 'name,email,password,note';
    const rows = [
      'Ann,ann@localhost,Pw-ann-1,=HYPERLINK("x")', // created
      'Bob,bob@localhost,Pw-bob-2,+plus', // exists (seeded)
      // HTTP 500 on the 3rd CreateUser, 1 attempt: unknown, then failed once the listing
      // after the run shows it absent. Its password starts like a formula.
      'Cyd,cyd@localhost,"=HYPERLINK(""http://evil.example/"")Pw-cyd-3",@at',
      'Dee,dee@localhost,Pw-dee-4,-minus', // created
      'Eve,bad address,Pw-eve-5,plain', // invalid: never sent
    ];
    const cydPassword = '=HYPERLINK("http://evil.example/")Pw-cyd-3';
    const passwords = ['Pw-ann-1', 'Pw-bob-2', cydPassword, 'Pw-dee-4', 'Pw-eve-5'];
    await seedSandbox({ aurora: ['bob@localhost'] });
    await configureSandbox({ aurora: { http500_every: 3 } });

    await openApp(page);
    await importAurora(page, sandbox.auroraServerUrl, writeFixture('people.csv', [header, ...rows].join('\n') + '\n'));
    await waitForImportFinished(page, rows.length);
    const state = await sandboxState();
    const idOf = (e: string) => state.aurora.users.find((u) => u.public_id === e)?.id;
    expect(idOf('cyd@localhost')).toBeUndefined();

    // CSV: one header line, one line per input row, in order.
    const csv = await download(page, 'Download report');
    expect(csv.file).toMatch(/\.csv$/);
    for (const p of [...passwords, ADMIN.password]) expect(csv.text).not.toContain(p);
    const records = parseCsv(csv.text);
    expect(records[0]).toEqual([
      'row', 'email', 'status', 'message', 'target_id',
      'error_code', 'attempts', 'first_sent', 'finished', 'edited',
      'name', 'input_email', 'note',
    ]);
    const body = records.slice(1);
    expect(body.map((r) => r[0])).toEqual(['2', '3', '4', '5', '6']);
    expect(body.map((r) => r[2])).toEqual(['created', 'exists', 'failed', 'created', 'invalid']);
    expect(body[2][3]).toContain('Not on the server');
    expect(body[0][4]).toBe(String(idOf('ann@localhost')));
    expect(body[3][4]).toBe(String(idOf('dee@localhost')));
    expect(body[1][5]).toBe('111');
    expect(body[2][5]).toBe('500');
    for (const r of body.slice(0, 4)) {
      expect(r[6]).toBe('1');
      expect(r[7]).toMatch(ISO);
      expect(r[8]).toMatch(ISO);
      expect(Date.parse(r[8])).toBeGreaterThanOrEqual(Date.parse(r[7]));
      expect(Math.abs(Date.now() - Date.parse(r[7]))).toBeLessThan(120_000);
    }
    expect(body[4][6]).toBe('0');
    expect(body[4][7]).toBe('');
    // One row column (issue 27): `edited` in place of the `line` copy; nothing was edited.
    expect(body.map((r) => r[9])).toEqual(['', '', '', '', '']);
    expect(body.map((r) => r[10])).toEqual(['Ann', 'Bob', 'Cyd', 'Dee', 'Eve']);
    expect(body.map((r) => r[12])).toEqual(["'=HYPERLINK(\"x\")", "'+plus", "'@at", "'-minus", 'plain']);
    for (const r of records) for (const cell of r) expect(isNeutralised(cell), JSON.stringify(cell)).toBe(true);

    // JSON: the same rows plus the summary.
    const json = await download(page, 'Download report (JSON)');
    expect(json.file).toMatch(/\.json$/);
    for (const p of [...passwords, ADMIN.password]) expect(json.text).not.toContain(p);
    const report = JSON.parse(json.text);
    expect(report.summary.target).toBe('Aurora');
    expect(report.summary.server_url).toBe(sandbox.auroraServerUrl);
    expect(report.summary.file).toBe('people.csv');
    expect(report.summary.rows).toBe(5);
    expect(report.summary.counts).toMatchObject({ created: 2, exists: 1, failed: 1, invalid: 1, rejected: 0, unknown: 0, skipped: 0 });
    expect(report.summary.started_at).toMatch(ISO);
    expect(report.summary.ended_at).toMatch(ISO);
    expect(report.columns).toEqual(['name', 'input_email', 'note']);
    // `row` is the input line (below the header line), as on the page.
    expect(report.rows.map((r: { row: number }) => r.row)).toEqual([2, 3, 4, 5, 6]);
    expect(report.rows[0]).toMatchObject({
      email: 'ann@localhost',
      status: 'created',
      target_id: String(idOf('ann@localhost')),
      attempts: 1,
      input: { name: 'Ann', input_email: 'ann@localhost', note: '=HYPERLINK("x")' },
    });
    expect(report.rows[2]).toMatchObject({ status: 'failed', error_code: 500 });

    // Rows to retry: the failed row, password included, header and delimiter kept; every
    // cell a spreadsheet would read as a formula guarded with a leading ', and Roster's own
    // column (empty: no steps) saying the file is Roster's, whose reader takes the guard off.
    const retry = await download(page, 'Download rows to retry');
    expect(retry.text.split(/\r?\n/).filter(Boolean)).toEqual([
      `${header},steps to retry`,
      'Cyd,cyd@localhost,"\'=HYPERLINK(""http://evil.example/"")Pw-cyd-3",\'@at,',
    ]);
    for (const r of parseCsv(retry.text)) for (const cell of r) expect(isNeutralised(cell), JSON.stringify(cell)).toBe(true);

    // Dropped straight back in, it imports, with the password as the admin wrote it.
    await configureSandbox({ aurora: { http500_every: null } });
    await page.reload();
    await expect(controls(page).start).toBeVisible({ timeout: 20_000 });
    await importAurora(page, sandbox.auroraServerUrl, writeFixture('retry.csv', retry.text));
    await waitForImportFinished(page, 1);
    const after = await sandboxState();
    expect(after.aurora.users.find((u) => u.public_id === 'cyd@localhost')?.password).toBe(cydPassword);
    expect(after.aurora.users.map((u) => u.public_id).sort()).toEqual(
      ['ann@localhost', 'bob@localhost', 'cyd@localhost', 'dee@localhost'].sort(),
    );
    // The injected HTTP 500 is logged by the browser itself; nothing else may be.
    expect(consoleErrors.filter((e) => !e.includes('status of 500'))).toEqual([]);
  });
});
