/**
 * End-to-end: a conflict's look-up answered 429 is asked again, as a create's 429 is.
 * GitLab answers 409 "Email has already been taken" when the row's address is another
 * user's (here a secondary address); the preset then looks the other account up
 * (GET /api/v4/users?search=<address>) to name it. The sandbox's GitLab throttles every
 * authenticated API request per token (Rack::Attack's `throttle_authenticated_api`, the
 * `rate_limit` knob, crates/sandbox/README.md), and its CORS rule exposes no
 * `Retry-After`: with a limit of 2 per 5 s window the exists check and the create go
 * through and the look-up is refused 429. The page must back off on its own (the
 * throttle backoff), send the look-up again once the window ended, and name the other
 * account; before, the row ended "could not be named (HTTP 429)".
 */
import { test, expect } from '../lib/fixtures';
import { apiUrl, configureSandbox, sandboxState } from '../lib/sandbox';
import { writeFixture } from '../lib/files';
import { controls, loadFile, openApp, waitForFileRead } from '../lib/app';
import { clickStart, waitForRunEnd } from '../lib/watchdog';
import { describeOddRows, downloadReport, tally } from '../lib/report';

test('GitLab: a conflict\'s look-up refused 429 is sent again after the backoff and names the other account', async ({ page, sandbox }) => {
  test.setTimeout(90_000);
  const seeded = await fetch(`${apiUrl()}/_sandbox/seed`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      gitlab: [{ email: 'jd@example.com', username: 'jd', name: 'J D', password: 'Seeded-pw-3', secondary_emails: ['second@example.com'] }],
    }),
  });
  expect(seeded.status, await seeded.text()).toBe(200);
  await configureSandbox({ gitlab: { rate_limit: 2, rate_window_ms: 5_000 } });
  const file = 'username,email,password,name\nnewbie,second@example.com,Pw-newbie-x7Q!,New Bie\n';

  await openApp(page);
  await loadFile(page, writeFixture('gitlab-lookup-429.csv', file));
  const c = controls(page);
  await waitForFileRead(page);
  await c.target.selectOption({ label: 'GitLab' });
  await page.getByLabel('Server URL', { exact: true }).fill(sandbox.apiUrl);
  await page.getByLabel('Access token', { exact: true }).fill('glpat-sandbox-admin');
  await page.getByLabel('Access token', { exact: true }).press('Tab');
  await waitForFileRead(page);
  await expect(c.rowsTable.getByText('invalid', { exact: true })).toHaveCount(0);

  await clickStart(page);
  await waitForRunEnd(page, { overallMs: 60_000, what: 'the GitLab run whose look-up is throttled' });
  const report = await downloadReport(page);
  test.info().annotations.push({ type: 'statuses', description: tally(report) });
  expect(report.map((r) => r.status), describeOddRows(report)).toEqual(['rejected']);
  const conflict = report[0].message;
  expect(conflict).toMatch(/^Conflict: /);
  expect(conflict).toContain('Email has already been taken');
  expect(conflict).toContain('user name "newbie"');
  expect(conflict).toContain('The other account is "jd"');
  expect(conflict).not.toContain('could not be named');

  const gitlab = (await sandboxState()).gitlab as { rate_limited: number; create_calls: number };
  // The look-up was refused at least once, and the create was not sent again.
  expect(gitlab.rate_limited, '429s answered').toBeGreaterThanOrEqual(1);
  expect(gitlab.create_calls).toBe(1);
});
