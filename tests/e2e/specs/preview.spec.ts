/**
 * Issue 13, "Preview instead of a dump" and "Template and first screen": Dry run shows a
 * table of the accounts an import would create (passwords masked) with the raw requests
 * folded under technical details, each with a Copy button; the preview goes when a run
 * starts; the downloaded template (notes and an example row) reads back as one valid
 * row; the first screen shows only what applies before a file exists; Check and Start
 * give the same diagnosis for the same connection fault, and a new attempt clears the
 * banner of the last one.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect } from '../lib/fixtures';
import { configureSandbox, sandboxState } from '../lib/sandbox';
import { writeFixture } from '../lib/files';
import { controls, loadFile, openApp, readRows, startImport, waitForFileRead, waitForImportFinished } from '../lib/app';
import { inputControls, expectCounts } from '../lib/input';

const FILE = [
  'email,password,first name,last name',
  'ann@localhost,pw-ann-secret,Ann,Lee',
  'not-an-address,pw-bad-secret,Bo,Bad',
  'cy@localhost,pw-cy-secret,Cy,Yu',
].join('\n');

const SECRETS = ['12345', 'pw-ann-secret', 'pw-bad-secret', 'pw-cy-secret'];

/** axe-core, added as an init script (the page's CSP refuses an added script tag). */
const AXE = path.join(__dirname, '..', 'node_modules', 'axe-core', 'axe.min.js');

/** The ids of axe's serious and critical findings on the page as it is. */
async function seriousAxeFindings(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const result = await (window as any).axe.run(document, { resultTypes: ['violations'] });
    return (result.violations as Array<{ id: string; impact: string | null }>)
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => v.id);
  });
}

async function fillAuroraForm(page: Page, serverUrl: string) {
  const c = controls(page);
  await c.target.selectOption({ label: 'Aurora' });
  await c.serverUrl.fill(serverUrl);
  await c.login.fill('superadmin');
  await c.password.fill('12345');
}

function previewRegion(page: Page) {
  return page.getByRole('region', { name: 'Dry run preview' });
}

async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

test.describe('dry run preview', () => {
  test('a table of the accounts with passwords masked; requests under technical details with Copy; gone when a run starts', async ({
    page,
    context,
    sandbox,
  }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(sandbox.pageUrl).origin });
    await page.addInitScript({ path: AXE });
    await openApp(page);
    await loadFile(page, writeFixture('preview.csv', FILE));
    await waitForFileRead(page);
    await fillAuroraForm(page, sandbox.auroraServerUrl);
    // A run default shows in the rows it fills.
    await inputControls(page).defaultRole.fill('3');
    await inputControls(page).defaultRole.blur();
    await page.getByRole('button', { name: 'Dry run' }).click();

    const region = previewRegion(page);
    await expect(region).toBeVisible();
    await expect(region).toContainText('this import would create 2 accounts');
    const table = region.getByRole('table', { name: 'Accounts this import would create' });
    const headers = await table.getByRole('columnheader').allInnerTexts();
    // Aurora's fields that these rows give (no quota, no tenant: no such columns).
    expect(headers.map((h) => h.trim())).toEqual(['Line', 'Email', 'Password', 'Role']);
    const rows = table.getByRole('row');
    await expect(rows).toHaveCount(3);
    // The invalid row (line 3) is not sent, so not shown; line numbers are the input's.
    await expect(rows.nth(1)).toHaveText(/^\s*line 2\s*ann@localhost\s*••••••••\s*3\s*$/);
    await expect(rows.nth(2)).toHaveText(/^\s*line 4\s*cy@localhost\s*••••••••\s*3\s*$/);

    // The raw requests are folded away until asked for.
    const details = region.getByRole('group').filter({ hasText: 'technical details' });
    const copy1 = details.getByRole('button', { name: 'Copy request 1', exact: true });
    await expect(copy1).toBeHidden();
    await details.getByText(/^Dry run: technical details \(the first 3 requests/).click();
    await expect(copy1).toBeVisible();
    await expect(details.getByRole('button', { name: /^Copy request \d$/ })).toHaveCount(3);
    await expect(details).toContainText('Method=LoginAsSuperadmin');
    await expect(details).toContainText('Authorization: Bearer ••••••••');
    expect(await seriousAxeFindings(page), 'axe with the preview and its details open').toEqual([]);

    await details.getByRole('button', { name: 'Copy request 2', exact: true }).click();
    await expect(details.getByRole('status')).toHaveText('Request 2 copied.');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toContain('Method=CreateUser');
    expect(copied).toContain('"PublicId":"ann@localhost"');
    expect(copied).not.toContain('cy@localhost');

    const html = await page.content();
    for (const secret of SECRETS) expect(html, `${secret} must not appear`).not.toContain(secret);
    for (const secret of SECRETS) expect(copied).not.toContain(secret);
    expect((await sandboxState()).aurora.logins).toBe(0);

    await startImport(page);
    await expect(region).toBeHidden();
    await waitForImportFinished(page, 3);
    await expect(region).toBeHidden();
    expect((await sandboxState()).aurora.create_calls).toBe(2);
  });

  test('a file with no row to send says so instead of an empty table', async ({ page, sandbox }) => {
    await openApp(page);
    await loadFile(page, writeFixture('none.csv', 'email,password\nnot-an-address,pw-x-secret\n'));
    await waitForFileRead(page);
    await fillAuroraForm(page, sandbox.auroraServerUrl);
    await page.getByRole('button', { name: 'Dry run' }).click();
    await expect(page.getByRole('list', { name: 'Check results' })).toContainText('no row would be sent');
    await expect(page.getByRole('table', { name: 'Accounts this import would create' })).toHaveCount(0);
  });
});

test.describe('template and first screen', () => {
  test('the downloaded template has a note per column and an example row, and loads back as one valid row', async ({ page }) => {
    await openApp(page);
    await controls(page).target.selectOption({ label: 'Mumara' });
    const [download] = await Promise.all([page.waitForEvent('download'), inputControls(page).template.click()]);
    expect(download.suggestedFilename()).toBe('roster-template-mumara.csv');
    const text = fs.readFileSync(await download.path(), 'utf8');
    const lines = text.split('\r\n');
    expect(lines[0]).toMatch(/^"Roster template for Mumara\./);
    for (const column of ['name', 'email', 'password', 'package_id', 'timezone', 'login_ips']) {
      expect(lines[1]).toContain(`${column}: `);
    }
    expect(lines[2]).toBe('name,email,password,package_id,timezone,login_ips');

    const path = writeFixture('roster-template-mumara.csv', text);
    await loadFile(page, path);
    await waitForFileRead(page);
    // The two note lines are skipped as lines above the data, not read as rows.
    await expect(inputControls(page).skipLines).toHaveValue('2');
    await expectCounts(page, 1, 0, 0);
    const rows = await readRows(page);
    expect(rows).toHaveLength(1);
    expect(rows[0].Email).toBe('ann.example@example.com');
    expect(rows[0].Status).not.toMatch(/invalid/i);
    expect(rows[0].Message).toBe('');
    // Every column maps itself.
    for (const [column, field] of [
      ['email', 'email'],
      ['package_id', 'package_id'],
      ['timezone', 'timezone'],
    ]) {
      const select = page.getByRole('group', { name: 'Columns' }).getByLabel(column, { exact: true });
      await expect(select).toHaveValue(field);
    }
  });

  test('the first screen shows only what applies before a file exists', async ({ page, sandbox }) => {
    await openApp(page);
    const c = controls(page);
    // What applies: the file, the target and its form, the template, Start (disabled).
    await expect(c.chooseFile).toBeVisible();
    await expect(inputControls(page).template).toBeVisible();
    await expect(c.start).toBeDisabled();
    // What does not, yet.
    for (const label of ['Parallel requests', 'Requests per minute', 'Attempts per row']) {
      await expect(page.getByLabel(label, { exact: true })).toBeHidden();
    }
    for (const name of ['Check', 'Dry run', 'Pause', 'Resume', 'Cancel', 'Download report']) {
      await expect(page.getByRole('button', { name, exact: true })).toBeHidden();
    }
    await expect(c.progress).toBeHidden();
    await expect(page.getByRole('heading', { name: '2. Rows' })).toBeHidden();
    await expect(page.getByText(/gives a CSV with the header Aurora expects, a note per column and an example row/)).toBeVisible();
    // The connection form can be filled before the file.
    await fillAuroraForm(page, sandbox.auroraServerUrl);
    await loadFile(page, writeFixture('first.csv', FILE));
    await waitForFileRead(page);
    await expect(page.getByLabel('Parallel requests', { exact: true })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Dry run', exact: true })).toBeEnabled();
    await expect(c.progress).toBeVisible();
    await expect(page.getByRole('heading', { name: '2. Rows' })).toBeVisible();
  });
});

test.describe('Check and Start diagnose alike', () => {
  test('the same connection fault gets the same diagnosis from Check and from Start; a new attempt clears the old banner', async ({
    page,
    sandbox,
  }) => {
    const port = await closedPort();
    await openApp(page);
    await loadFile(page, writeFixture('diag.csv', FILE));
    await waitForFileRead(page);
    await fillAuroraForm(page, `http://127.0.0.1:${port}/`);
    const panel = page.getByRole('region', { name: 'Connection diagnosis' });

    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await expect(panel).toBeVisible({ timeout: 20_000 });
    const fromCheck = await panel.getByRole('alert').innerText();
    expect(fromCheck).toContain('Server unreachable');

    await startImport(page);
    await expect(panel).toBeVisible({ timeout: 20_000 });
    const fromStart = await panel.getByRole('alert').innerText();
    expect(fromStart).toBe(fromCheck);

    // With the right URL, a new Check clears the banner of the last attempt.
    await controls(page).serverUrl.fill(sandbox.auroraServerUrl);
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await expect(page.getByRole('list', { name: 'Check results' })).toContainText('Login OK');
    await expect(panel).toBeHidden();

    // CORS off: both say "blocked by the browser".
    await configureSandbox({ cors: null });
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await expect(panel).toBeVisible({ timeout: 20_000 });
    const corsCheck = await panel.getByRole('alert').innerText();
    expect(corsCheck).toContain('Reachable but blocked by the browser');
    await startImport(page);
    await expect(panel.getByRole('alert')).toHaveText(corsCheck, { timeout: 20_000 });
    expect((await sandboxState()).aurora.create_calls).toBe(0);
  });

  test('a wrong password at Check is not diagnosed: the server answered', async ({ page, sandbox }) => {
    await openApp(page);
    await loadFile(page, writeFixture('pw.csv', FILE));
    await waitForFileRead(page);
    await fillAuroraForm(page, sandbox.auroraServerUrl);
    await controls(page).password.fill('not-it');
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await expect(page.getByRole('alert').filter({ hasText: /wrong login or password/i })).toBeVisible();
    await page.waitForTimeout(1_000);
    await expect(page.getByRole('region', { name: 'Connection diagnosis' })).toHaveCount(0);
  });
});
