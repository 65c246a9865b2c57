/**
 * End-to-end (issue 12, section 2): the Keycloak, Microsoft
 * Graph (Entra ID) and GitLab presets against the sandbox's shapes of those servers
 * (crates/sandbox/README.md, "Keycloak, Microsoft Graph and GitLab").
 *
 * What each test checks, through the sandbox's control API only: every new account is
 * created once (one POST per row, none retried), a pre-existing account is reported
 * `exists` and left untouched (its seeded password and name are still there), and the
 * report holds no password. For Keycloak, a run that lasts longer than the access token
 * (2 s here, 60 s on a real realm) logs in again and finishes. Graph's and GitLab's
 * throttles answer 429: the run waits and finishes.
 *
 * The "Server URL" of each preset is the sandbox's API URL: Keycloak 17+ serves
 * `/realms/...` and `/admin/realms/...` at the root (the sandbox also answers under the
 * legacy `/auth` prefix), Graph serves `/v1.0/...` at its host and GitLab `/api/v4/...`
 * at its instance URL, and the presets add those paths themselves.
 *
 * Issue 20: Keycloak lets a page read its answers only through a client whose Web Origins
 * list the page's origin; `admin-cli` (the preset's default Client ID) lists none, so that
 * import fails with the browser's block diagnosed, and one through a configured client
 * works. Graph does not expose `Retry-After` to pages: a throttled run backs off on its
 * own (Graph's throttling guidance) and meets few 429s.
 */
import type { Page } from '@playwright/test';
import { test, expect } from '../lib/fixtures';
import { apiUrl, configureSandbox, sandboxState, type SandboxState } from '../lib/sandbox';
import { writeFixture } from '../lib/files';
import { controls, loadFile, openApp, waitForFileRead } from '../lib/app';
import { clickStart, waitForRunEnd } from '../lib/watchdog';
import { describeOddRows, downloadReport, tally, type ReportRow } from '../lib/report';

/** Sandbox credentials (crates/sandbox/README.md). */
const KEYCLOAK = { realm: 'roster', login: 'admin', password: 'admin' };
/** The sandbox's public client whose Web Origins allow any origin (crates/sandbox/README.md). */
const KEYCLOAK_CLIENT = 'roster';
const GRAPH_TOKEN = 'sandbox-graph-token';
const GITLAB_TOKEN = 'glpat-sandbox-admin';

interface Account {
  username: string;
  email: string;
  password: string;
  name: string;
}

/**
 * `n` accounts at example.com (a verified domain of the sandbox's Graph tenant), with
 * passwords that pass Entra ID's complexity rule and GitLab's minimum length.
 */
function accounts(prefix: string, n: number): Account[] {
  return Array.from({ length: n }, (_, i) => ({
    username: `${prefix}${i + 1}`,
    email: `${prefix}${i + 1}@example.com`,
    password: `Pw-${prefix}${i + 1}-x7Q!`,
    name: `User ${prefix.toUpperCase()} ${i + 1}`,
  }));
}

function csv(rows: Account[]): string {
  return ['username,email,password,name', ...rows.map((a) => `${a.username},${a.email},${a.password},${a.name}`)].join('\n') + '\n';
}

/** POST /_sandbox/seed with the new shapes' members (lib/sandbox.ts types only Aurora/Mumara). */
async function seed(body: Record<string, unknown[]>): Promise<void> {
  const res = await fetch(`${apiUrl()}/_sandbox/seed`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.text()).toBe(200);
}

interface KeycloakUser {
  realm: string;
  username: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  password: string | null;
  seeded: boolean;
}
interface GraphUser {
  user_principal_name: string;
  display_name: string;
  mail_nickname: string;
  password: string;
  seeded: boolean;
}
interface GitlabUser {
  id: number;
  username: string;
  email: string;
  name: string;
  password: string | null;
  seeded: boolean;
}
interface Shape<U> {
  users: U[];
  create_calls: number;
  rate_limited?: number;
  logins?: number;
  faults_injected: Record<string, number>;
}

function shape<U>(state: SandboxState, name: 'keycloak' | 'graph' | 'gitlab'): Shape<U> {
  return state[name] as Shape<U>;
}

/**
 * Chooses a preset and fills its connection fields, after the file is read (choosing the
 * target re-checks the rows), then waits until no row is invalid.
 */
async function fillPreset(
  page: Page,
  target: 'Keycloak' | 'Microsoft Graph (Entra ID)' | 'GitLab',
  fields: Record<string, string>,
): Promise<void> {
  const c = controls(page);
  await waitForFileRead(page);
  await c.target.selectOption({ label: target });
  for (const [label, value] of Object.entries(fields)) {
    await page.getByLabel(label, { exact: true }).fill(value);
  }
  await page.getByLabel(Object.keys(fields).at(-1)!, { exact: true }).press('Tab');
  await waitForFileRead(page);
  await expect(c.rowsTable.getByText('invalid', { exact: true })).toHaveCount(0);
}

/** Imports `file` and returns the downloaded report once the run has ended. */
async function runImport(page: Page, overallMs: number, what: string): Promise<ReportRow[]> {
  await clickStart(page);
  await waitForRunEnd(page, { overallMs, what });
  const report = await downloadReport(page);
  test.info().annotations.push({ type: 'statuses', description: tally(report) });
  return report;
}

/** Every row but `existing` created, `existing` reported exists, no password in the report. */
function expectStatuses(report: ReportRow[], rows: Account[], existing: string[]): void {
  expect(report.map((r) => r.email)).toEqual(rows.map((a) => a.email));
  for (const r of report) {
    const want = existing.includes(r.email) ? 'exists' : 'created';
    expect(r.status, `row ${r.row} ${r.email}: ${r.message}\n${describeOddRows(report)}`).toBe(want);
  }
  const text = JSON.stringify(report);
  for (const a of rows) expect(text, `the report must not hold ${a.email}'s password`).not.toContain(a.password);
}

/** Each name appears exactly once. */
function expectOnce(names: string[], wanted: string[]): void {
  const lower = names.map((n) => n.toLowerCase());
  for (const w of wanted) {
    expect(lower.filter((n) => n === w.toLowerCase()), `${w} created once`).toHaveLength(1);
  }
}

test.describe('presets against the sandbox shapes of Keycloak, Graph and GitLab', () => {
  test('Keycloak: 8 rows, one pre-existing: created once each, the existing one untouched', async ({ page, sandbox }) => {
    const rows = accounts('kc', 8);
    const old = rows[3];
    await seed({
      keycloak: [{ realm: KEYCLOAK.realm, username: old.username, email: old.email, first_name: 'Old', password: 'Seeded-pw-1' }],
    });

    await openApp(page);
    await loadFile(page, writeFixture('keycloak.csv', csv(rows)));
    await fillPreset(page, 'Keycloak', {
      'Server URL': sandbox.apiUrl,
      Realm: KEYCLOAK.realm,
      Login: KEYCLOAK.login,
      Password: KEYCLOAK.password,
      'Client ID': KEYCLOAK_CLIENT,
    });
    const report = await runImport(page, 60_000, 'the Keycloak run');
    expectStatuses(report, rows, [old.email]);

    const kc = shape<KeycloakUser>(await sandboxState(), 'keycloak');
    expect(kc.create_calls, 'one POST per row: 7 created, 1 answered 409').toBe(rows.length);
    expectOnce(kc.users.map((u) => u.username), rows.map((a) => a.username));
    for (const a of rows.filter((x) => x !== old)) {
      const u = kc.users.find((x) => x.username === a.username)!;
      expect(u.realm).toBe(KEYCLOAK.realm);
      expect(u.email).toBe(a.email);
      expect(u.password, `${a.username}'s password reached Keycloak`).toBe(a.password);
      expect(u.seeded).toBe(false);
    }
    const kept = kc.users.find((x) => x.username === old.username)!;
    expect(kept.seeded).toBe(true);
    expect(kept.password, 'the existing account keeps its password').toBe('Seeded-pw-1');
    expect(kept.first_name, 'the existing account keeps its name').toBe('Old');
  });

  test('Keycloak: a run longer than the 2 s token logs in again and finishes', async ({ page, sandbox }) => {
    test.setTimeout(120_000);
    // Tokens live 2 s; each request takes 800 ms, so 20 rows at the page's 4 requests in
    // flight last 4 s or more: the first token expires mid-run (a real realm's default is
    // 60 s).
    await configureSandbox({ keycloak: { access_token_lifespan: 2, latency_ms: 800 } });
    const rows = accounts('long', 20);

    await openApp(page);
    await loadFile(page, writeFixture('keycloak-long.csv', csv(rows)));
    await fillPreset(page, 'Keycloak', {
      'Server URL': sandbox.apiUrl,
      Realm: KEYCLOAK.realm,
      Login: KEYCLOAK.login,
      Password: KEYCLOAK.password,
      'Client ID': KEYCLOAK_CLIENT,
    });
    const report = await runImport(page, 100_000, 'the long Keycloak run');
    expectStatuses(report, rows, []);

    const kc = shape<KeycloakUser>(await sandboxState(), 'keycloak');
    expect(kc.logins, 'logged in again after the token expired').toBeGreaterThanOrEqual(2);
    expectOnce(kc.users.map((u) => u.username), rows.map((a) => a.username));
    // `create_calls` counts the POSTs that passed authentication: one per row, whether or
    // not the page first met a 401 with the expired token (those are `token_expired`).
    expect(kc.create_calls).toBe(rows.length);
  });

  test('Keycloak with the default Client ID admin-cli: the browser blocks it, the diagnosis says so with the Client ID steps', async ({ page, sandbox }) => {
    test.setTimeout(90_000);
    const origin = new URL(sandbox.pageUrl).origin;
    await configureSandbox({
      keycloak: { clients: [{ client_id: 'admin-cli' }, { client_id: 'roster-import', web_origins: [origin] }] },
    });
    const rows = accounts('cli', 3);
    await openApp(page);
    await loadFile(page, writeFixture('keycloak-cli.csv', csv(rows)));
    await fillPreset(page, 'Keycloak', {
      'Server URL': sandbox.apiUrl,
      Realm: KEYCLOAK.realm,
      Login: KEYCLOAK.login,
      Password: KEYCLOAK.password,
    });
    // The form says what the Client ID needs, and admin-cli is the default.
    const clientId = page.getByLabel('Client ID', { exact: true });
    await expect(clientId).toHaveValue('');
    await expect(clientId).toHaveAttribute('placeholder', 'admin-cli');
    await expect(clientId).toHaveAccessibleDescription(/Web Origins list this page's origin; admin-cli lists none/);
    await expect(clientId).toHaveAccessibleDescription(/Direct access grants on/);

    await clickStart(page);
    const d = page.getByRole('region', { name: 'Connection diagnosis' });
    await expect(d).toBeVisible({ timeout: 60_000 });
    await expect(d.getByRole('alert')).toContainText('Reachable but blocked by the browser');
    await expect(d).toContainText(`Log in through a client that allows ${origin}`);
    await expect(d).toContainText(`Web origins: ${origin}`);
    await expect(d).toContainText('Direct access grants on');
    await expect(controls(page).statusRegion).toContainText('login failed');
    const kc = shape<KeycloakUser>(await sandboxState(), 'keycloak');
    expect(kc.create_calls, 'nothing sent past the blocked login').toBe(0);
    expect(kc.users).toHaveLength(0);
  });

  test('Keycloak with a Client ID whose Web Origins hold the page: the import works', async ({ page, sandbox }) => {
    const origin = new URL(sandbox.pageUrl).origin;
    await configureSandbox({
      keycloak: { clients: [{ client_id: 'admin-cli' }, { client_id: 'roster-import', web_origins: [origin] }] },
    });
    const rows = accounts('web', 5);
    await openApp(page);
    await loadFile(page, writeFixture('keycloak-client.csv', csv(rows)));
    await fillPreset(page, 'Keycloak', {
      'Server URL': sandbox.apiUrl,
      Realm: KEYCLOAK.realm,
      Login: KEYCLOAK.login,
      Password: KEYCLOAK.password,
      'Client ID': 'roster-import',
    });
    const report = await runImport(page, 60_000, 'the Keycloak run through roster-import');
    expectStatuses(report, rows, []);
    const kc = shape<KeycloakUser>(await sandboxState(), 'keycloak');
    expect(kc.create_calls).toBe(rows.length);
    expectOnce(kc.users.map((u) => u.username), rows.map((a) => a.username));
  });

  test('Microsoft Graph: 8 rows, one UPN already taken: created once each, the existing one untouched', async ({ page, sandbox }) => {
    const rows = accounts('gr', 8);
    const old = rows[5];
    await seed({ graph: [{ user_principal_name: old.email, display_name: 'Old Name', password: 'Seeded-pw-1' }] });

    await openApp(page);
    await loadFile(page, writeFixture('graph.csv', csv(rows)));
    await fillPreset(page, 'Microsoft Graph (Entra ID)', {
      'Server URL': sandbox.apiUrl,
      'Access token': GRAPH_TOKEN,
    });
    const report = await runImport(page, 60_000, 'the Graph run');
    // Graph answers an existing userPrincipalName with a 400 (not a 409): the preset's rule
    // maps that message to exists.
    expectStatuses(report, rows, [old.email]);
    // The report's file is named from the preset's id, not its display name lower-cased
    // ("roster-report-microsoft graph (entra id)-….csv" before).
    const [again] = await Promise.all([page.waitForEvent('download'), controls(page).downloadReport.click()]);
    expect(again.suggestedFilename()).toMatch(/^roster-report-graph-\d{8}-\d{6}\.csv$/);

    const graph = shape<GraphUser>(await sandboxState(), 'graph');
    expect(graph.create_calls, 'one POST per row').toBe(rows.length);
    expectOnce(graph.users.map((u) => u.user_principal_name), rows.map((a) => a.email));
    for (const a of rows.filter((x) => x !== old)) {
      const u = graph.users.find((x) => x.user_principal_name === a.email)!;
      expect(u.display_name).toBe(a.name);
      expect(u.password, `${a.email}'s passwordProfile reached Graph`).toBe(a.password);
    }
    const kept = graph.users.find((x) => x.user_principal_name === old.email)!;
    expect(kept.seeded).toBe(true);
    expect(kept.display_name).toBe('Old Name');
    expect(kept.password).toBe('Seeded-pw-1');
  });

  test('Microsoft Graph: throttled with 429 whose Retry-After the page cannot read, the run backs off and finishes', async ({ page, sandbox }) => {
    test.setTimeout(120_000);
    // 4 requests per 3 s window per token. Graph's CORS rule does not expose Retry-After,
    // so the page backs off on its own (3 s, doubling, as Graph's guidance says) and the
    // pacer holds the pace it met: the first burst's 429s, then few or none.
    await configureSandbox({ graph: { rate_limit: 4, rate_window_ms: 3_000 } });
    const rows = accounts('thr', 12);

    await openApp(page);
    await loadFile(page, writeFixture('graph-429.csv', csv(rows)));
    await fillPreset(page, 'Microsoft Graph (Entra ID)', {
      'Server URL': sandbox.apiUrl,
      'Access token': GRAPH_TOKEN,
    });
    const report = await runImport(page, 100_000, 'the throttled Graph run');
    expectStatuses(report, rows, []);
    const graph = shape<GraphUser>(await sandboxState(), 'graph');
    expect(graph.rate_limited, '429s answered').toBeGreaterThanOrEqual(1);
    // The first burst's (up to the 4 requests in flight when the first 429 came), then at
    // most one more.
    expect(graph.rate_limited, 'no more 429s than the backoff allows').toBeLessThanOrEqual(5);
    expectOnce(graph.users.map((u) => u.user_principal_name), rows.map((a) => a.email));
    expect(graph.create_calls, 'a 429 creates nothing and is not a create call').toBe(rows.length);
  });

  test('GitLab: 8 rows, one e-mail already taken: created once each, the existing one untouched', async ({ page, sandbox }) => {
    const rows = accounts('gl', 8);
    const old = rows[0];
    await seed({ gitlab: [{ email: old.email, username: old.username, name: 'Old Name', password: 'Seeded-pw-1' }] });

    await openApp(page);
    await loadFile(page, writeFixture('gitlab.csv', csv(rows)));
    await fillPreset(page, 'GitLab', {
      'Server URL': sandbox.apiUrl,
      'Access token': GITLAB_TOKEN,
    });
    const report = await runImport(page, 60_000, 'the GitLab run');
    expectStatuses(report, rows, [old.email]);

    const gitlab = shape<GitlabUser>(await sandboxState(), 'gitlab');
    // The preset reads each user name first (issue 20): the existing account is found
    // with the row's address and never POSTed.
    expect(gitlab.create_calls, 'one POST per new row: 7 created, the existing one not sent').toBe(rows.length - 1);
    expectOnce(gitlab.users.map((u) => u.username), rows.map((a) => a.username));
    for (const a of rows.filter((x) => x !== old)) {
      const u = gitlab.users.find((x) => x.username === a.username)!;
      expect(u.email).toBe(a.email);
      expect(u.name).toBe(a.name);
      expect(u.password, `${a.username}'s password reached GitLab`).toBe(a.password);
      // The report's target id is GitLab's numeric id: GitLab's 201 carries it, so it
      // must be there (issue 20: this was `if (id !== '')`, which let a missing id pass).
      const r = report.find((x) => x.email === a.email)!;
      expect(r.targetId, `${a.email}'s target id`).toBe(String(u.id));
    }
    // The existing account answered 409, which names no id.
    expect(report.find((x) => x.email === old.email)!.targetId).toBe('');
    const kept = gitlab.users.find((x) => x.username === old.username)!;
    expect(kept.seeded).toBe(true);
    expect(kept.name).toBe('Old Name');
    expect(kept.password).toBe('Seeded-pw-1');
  });

  test('GitLab: throttled with 429 whose Retry-After the page cannot read, the run backs off and finishes', async ({ page, sandbox }) => {
    // GitLab's CORS rule for /api/* exposes neither Retry-After nor RateLimit-*, so a page
    // sees the 429 but not the delay: it must back off on its own.
    test.setTimeout(120_000);
    await configureSandbox({ gitlab: { rate_limit: 4, rate_window_ms: 3_000 } });
    const rows = accounts('gthr', 10);

    await openApp(page);
    await loadFile(page, writeFixture('gitlab-429.csv', csv(rows)));
    await fillPreset(page, 'GitLab', {
      'Server URL': sandbox.apiUrl,
      'Access token': GITLAB_TOKEN,
    });
    const report = await runImport(page, 100_000, 'the throttled GitLab run');
    expectStatuses(report, rows, []);
    const gitlab = shape<GitlabUser>(await sandboxState(), 'gitlab');
    expect(gitlab.rate_limited, '429s answered').toBeGreaterThanOrEqual(1);
    expectOnce(gitlab.users.map((u) => u.username), rows.map((a) => a.username));
    expect(gitlab.create_calls).toBe(rows.length);
  });
});
