/**
 * End-to-end (issue 20): no server answer crashes the page; credentials a browser cannot
 * send are refused before anything is sent; redirects are reported, never followed.
 *
 * - Microsoft Graph echoes the created user's `displayName` near the start of its 201
 *   answer (crates/sandbox/README.md, "Microsoft Graph"). Long names of three-byte
 *   characters put a character across byte 256 of the answer, where the core used to cut
 *   the text to sniff for HTML: the wasm panicked, a release build aborted, and the run
 *   froze on its first create. Every row must now end created, with its name on the server.
 * - An access token pasted with a zero-width space: Start stays disabled with a reason
 *   naming the field, and nothing reaches the sandbox (no preflight, no create).
 * - A loaded profile that fills a header from the row's name: a name outside Latin-1
 *   cannot go in a header, so that row is refused as not sent (it used to throw inside
 *   gloo-net and end the run's task); the other rows are created.
 * - The sandbox's `redirect_slashes` knob (Starlette's trailing-slash 307): the create is
 *   not followed to the new address with its token and body; the run stops with the
 *   Location in its message, the row unknown (the server may have acted), and the only
 *   request that reached the new address is the credential-free GET that learned it.
 */
import * as fs from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect } from '../lib/fixtures';
import { configureSandbox, sandboxState, type SandboxState } from '../lib/sandbox';
import { writeFixture } from '../lib/files';
import { controls, loadFile, openApp, waitForFileRead } from '../lib/app';
import { clickStart, waitForRunEnd } from '../lib/watchdog';
import { describeOddRows, downloadReport, tally } from '../lib/report';

const GRAPH_TOKEN = 'sandbox-graph-token';
const GITLAB_TOKEN = 'glpat-sandbox-admin';

interface Shape {
  users: Array<Record<string, unknown>>;
  create_calls: number;
}
interface Redirects {
  served: number;
  arrivals: Array<{ method: string; path: string; credential: boolean; body_bytes: number }>;
}

function shape(state: SandboxState, name: 'graph' | 'gitlab'): Shape {
  return (state as unknown as Record<string, Shape>)[name];
}

function redirects(state: SandboxState): Redirects {
  return (state as unknown as { redirects: Redirects }).redirects;
}

/** Chooses a preset and fills its fields after the file is read. */
async function fillPreset(page: Page, target: string, fields: Record<string, string>): Promise<void> {
  const c = controls(page);
  await waitForFileRead(page);
  await c.target.selectOption({ label: target });
  for (const [label, value] of Object.entries(fields)) {
    await page.getByLabel(label, { exact: true }).fill(value);
  }
  await page.getByLabel(Object.keys(fields).at(-1)!, { exact: true }).press('Tab');
  await waitForFileRead(page);
}

test.describe('server answers, credentials and redirects', () => {
  test('Graph echoes display names whose characters straddle byte 256: every row created, the page never freezes', async ({ page, sandbox, consoleErrors }) => {
    // 85 three-byte characters (255 bytes) after 0, 1 and 2 ASCII letters: whatever the
    // name's offset in the answer, two of the three rows put a character across byte 256.
    const rows = ['', 'a', 'ab'].map((lead, i) => ({
      email: `mb${i + 1}@example.com`,
      password: `Pw-mb${i + 1}-x7Q!`,
      name: `${lead}${'日本語'.repeat(28)}名`,
    }));
    const file = ['email,password,name', ...rows.map((r) => `${r.email},${r.password},${r.name}`)].join('\n') + '\n';
    await openApp(page);
    await loadFile(page, writeFixture('multibyte-names.csv', file));
    await fillPreset(page, 'Microsoft Graph (Entra ID)', { 'Server URL': sandbox.apiUrl, 'Access token': GRAPH_TOKEN });
    await clickStart(page);
    await waitForRunEnd(page, { overallMs: 60_000, stallMs: 20_000, what: 'the Graph run with multi-byte names' });

    const report = await downloadReport(page);
    test.info().annotations.push({ type: 'statuses', description: tally(report) });
    for (const r of report) expect(r.status, `row ${r.row}: ${r.message}\n${describeOddRows(report)}`).toBe('created');
    const graph = shape(await sandboxState(), 'graph');
    expect(graph.create_calls).toBe(rows.length);
    for (const r of rows) {
      const u = graph.users.find((x) => x.user_principal_name === r.email);
      expect(u?.display_name, `${r.email} on the server`).toBe(r.name);
    }
    expect(consoleErrors.filter((e) => e.includes('panicked')), 'no panic').toEqual([]);
    await expect(page.getByText('Roster stopped on an internal error')).toBeHidden();
  });

  test('an access token with a zero-width space is refused before Start, naming the field; nothing is sent', async ({ page, sandbox }) => {
    await openApp(page);
    await loadFile(page, writeFixture('zw.csv', 'username,email,password,name\nzw1,zw1@example.com,Pw-zw1-x7Q!,Zed One\n'));
    await fillPreset(page, 'GitLab', { 'Server URL': sandbox.apiUrl, 'Access token': `${GITLAB_TOKEN}\u200B` });
    const start = controls(page).start;
    await expect(start).toBeDisabled();
    await expect(start).toHaveAccessibleDescription(/Access token.*invisible character.*zero-width space \(U\+200B\)/);
    // The message never shows the token itself.
    const reason = await start.evaluate((el) => document.getElementById(el.getAttribute('aria-describedby') ?? '')?.textContent ?? '');
    expect(reason).not.toContain(GITLAB_TOKEN);
    // Dry run (like Check) refuses it the same way, in the connection's alert.
    await page.getByRole('button', { name: 'Dry run', exact: true }).click();
    await expect(page.getByRole('alert').filter({ hasText: /Access token.*U\+200B/ }).first()).toBeVisible();
    const state = await sandboxState();
    expect(shape(state, 'gitlab').create_calls).toBe(0);
    expect(state.preflights, 'not even a preflight').toBe(0);

    // Pasted again without it, Start is enabled.
    await page.getByLabel('Access token', { exact: true }).fill(GITLAB_TOKEN);
    await expect(start).toBeEnabled();
  });

  test('a profile header filled from a row with a character a browser cannot send: that row refused as not sent, the others created', async ({ page, sandbox }) => {
    // The GitLab preset, adapted to send the row's name in a header too (a profile may
    // fill a header from a row). A name outside Latin-1 cannot go in a header: the
    // browser's Headers.append refuses it (gloo-net's header() used to throw there,
    // ending the run's task mid-import).
    await openApp(page);
    await controls(page).target.selectOption({ label: 'GitLab' });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download profile' }).click(),
    ]);
    const preset = JSON.parse(fs.readFileSync((await download.path())!, 'utf8'));
    const create = { ...preset.create, headers: { 'X-Display-Name': '{user.name}' } };
    const mine = { ...preset, id: 'gitlab-named', name: 'GitLab (named)', create };
    await controls(page).target.selectOption({ label: 'Load a profile…' });
    await page.getByLabel('Choose profile file').setInputFiles(writeFixture('gitlab-named.json', JSON.stringify(mine)));
    await expect(controls(page).target.locator('option:checked')).toHaveText('GitLab (named)');
    const file = ['username,email,password,name', 'hn1,hn1@example.com,Pw-hn1-long-enough,Ann Lee', 'hn2,hn2@example.com,Pw-hn2-long-enough,東京 太郎', 'hn3,hn3@example.com,Pw-hn3-long-enough,Zoe Brun'].join('\n') + '\n';
    await loadFile(page, writeFixture('named.csv', file));
    await waitForFileRead(page);
    await page.getByLabel('Server URL').fill(sandbox.apiUrl);
    await page.getByLabel('Access token', { exact: true }).fill(GITLAB_TOKEN);
    await page.getByLabel('Access token', { exact: true }).press('Tab');
    await clickStart(page);
    await waitForRunEnd(page, { overallMs: 60_000, stallMs: 20_000, what: 'the run with a header from the rows' });

    const report = await downloadReport(page);
    test.info().annotations.push({ type: 'statuses', description: tally(report) });
    expect(report.map((r) => r.status)).toEqual(['created', 'rejected', 'created']);
    expect(report[1].message).toContain('Not sent');
    expect(report[1].message).toContain('X-Display-Name');
    const gitlab = shape(await sandboxState(), 'gitlab');
    expect(gitlab.users.map((u) => u.username).sort()).toEqual(['hn1', 'hn3']);
    expect(gitlab.create_calls, 'the refused row never reached the server').toBe(2);
  });

  test('a create answered with a redirect is not followed: the run stops naming the Location, the row unknown', async ({ page, sandbox }) => {
    // Graph: its preset creates without an exists check first, so the create meets the 307.
    await configureSandbox({ redirect_slashes: ['/v1.0/users'] });
    const rows = [1, 2, 3].map((i) => `rd${i}@example.com,Pw-rd${i}-x7Q!,Red ${i}`);
    await openApp(page);
    await loadFile(page, writeFixture('redirect.csv', ['email,password,name', ...rows].join('\n') + '\n'));
    await fillPreset(page, 'Microsoft Graph (Entra ID)', { 'Server URL': sandbox.apiUrl, 'Access token': GRAPH_TOKEN });
    await clickStart(page);
    await expect(controls(page).statusRegion.filter({ hasText: 'Import stopped' }).first()).toBeAttached({ timeout: 30_000 });
    const location = `${sandbox.apiUrl}/v1.0/users/`;
    await expect(page.getByRole('alert').filter({ hasText: location }).first()).toBeVisible();

    const report = await downloadReport(page);
    test.info().annotations.push({ type: 'statuses', description: tally(report) });
    expect(report[0].status, report[0].message).toBe('unknown');
    expect(report[0].message).toContain(location);
    expect(report[0].message).toContain('not followed');
    for (const r of report.slice(1)) expect(r.status, r.message).toBe('skipped');

    // The first create's POST, the plain GET that learned where it leads, and the
    // diagnosis's credential-free GET of Graph's users (a stop as "not the API" starts
    // it); nothing after.
    await expect.poll(async () => redirects(await sandboxState()).served, { timeout: 15_000 }).toBe(3);
    const state = await sandboxState();
    const r = redirects(state);
    expect(r.served, 'one create, one look-up and the diagnosis met the redirect').toBe(3);
    expect(shape(state, 'graph').create_calls).toBe(0);
    // Only the plain GET that learned where the redirect leads reached the new address:
    // no POST, no token, no body.
    expect(r.arrivals.filter((a) => a.method !== 'GET' || a.credential || a.body_bytes > 0)).toEqual([]);
    expect(shape(state, 'graph').users).toHaveLength(0);
  });
});
