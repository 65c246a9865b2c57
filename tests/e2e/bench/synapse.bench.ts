/**
 * Import rate into a real Matrix Synapse (the one global-setup.ts starts), and Synapse's
 * own bound for the same work:
 *  - through the page: ROWS rows imported with the "Matrix Synapse" preset, the admin
 *    logging in with Login/Password, at the page's settings for this preset, timed from
 *    the click on "Start import" to "Import finished";
 *  - from Node directly: ROWS other users, each the same two requests the preset sends
 *    (GET on the admin users endpoint, answered 404, then the PUT that creates the
 *    account with the same body), with as many in flight as the page's "Parallel
 *    requests". No browser, no pacing, no report: what this Synapse allows at that
 *    concurrency.
 * Both are printed with their ratio (page time over Node time) and written to
 * bench-results/synapse.json. Synapse's defaults are kept (bcrypt with 12 rounds for every
 * password set, SQLite), so the bound is mostly Synapse hashing passwords.
 *
 * The preset states no rate limit of Synapse (no `rate_per_min`), so "Requests per
 * minute" starts empty and the page is not paced: that is checked and printed. Were it
 * not empty, the field would be cleared (as an admin who knows the server would) and the
 * output would say so.
 * Environment: BENCH_SYNAPSE_ROWS (1000; 0 skips).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test, expect } from '../lib/fixtures';
import { writeFixture } from '../lib/files';
import { controls, openApp, waitForFileRead } from '../lib/app';
import { clickStart, waitForRunEnd } from '../lib/watchdog';
import { downloadReport, tally } from '../lib/report';
import { adminGetUser, call, registerUser, runTag, synapseUrl } from '../lib/synapse';

const ROWS = Number(process.env.BENCH_SYNAPSE_ROWS ?? 1000);
const OUT = path.join(__dirname, '..', 'bench-results', 'synapse.json');

function file(tag: string, n: number): string {
  let s = 'username,email,password,name\n';
  for (let i = 1; i <= n; i++) s += `p${i}-${tag},p${i}-${tag}@example.com,Pw-p${i}-${tag}-x7Q!,Page User ${i}\n`;
  return s;
}

test(`Synapse: ${ROWS} users through the page, and the same requests from Node`, async ({ page }) => {
  test.skip(ROWS === 0, 'BENCH_SYNAPSE_ROWS=0');
  const url = synapseUrl();
  const tag = runTag();
  const adminPassword = `Admin-pw-${tag}`;
  const admin = await registerUser(`benchadmin-${tag}`, adminPassword, { admin: true });
  const notes: string[] = [];

  // Through the page.
  await openApp(page);
  const ui = controls(page);
  await ui.chooseFile.setInputFiles(writeFixture('synapse-bench.csv', file(tag, ROWS)));
  await expect(ui.progress).toHaveAttribute('aria-valuemax', String(ROWS));
  await waitForFileRead(page);
  await ui.target.selectOption({ label: 'Matrix Synapse' });
  await page.getByLabel('Server URL', { exact: true }).fill(url);
  await page.getByLabel('Login', { exact: true }).fill(`benchadmin-${tag}`);
  await page.getByLabel('Password', { exact: true }).fill(adminPassword);
  await page.getByLabel('Password', { exact: true }).press('Tab');
  await waitForFileRead(page);
  const rateField = page.getByLabel('Requests per minute');
  const presetRate = (await rateField.inputValue()).trim();
  if (presetRate !== '') {
    notes.push(`the preset paces the page at ${presetRate}/min; cleared to measure at no limit, as an admin of this server would`);
    await rateField.fill('');
  } else {
    notes.push('the preset sets no rate: the page is not paced');
  }
  const concField = page.getByLabel('Parallel requests');
  const concurrency = Number((await concField.inputValue()).trim() || (await concField.getAttribute('placeholder')) || '4');
  expect(concurrency).toBeGreaterThan(0);

  let t0 = Date.now();
  await clickStart(page);
  await waitForRunEnd(page, { overallMs: 60 * 60_000, what: 'the Synapse bench run' });
  const pageSeconds = (Date.now() - t0) / 1000;
  const report = await downloadReport(page);
  expect(report.filter((r) => r.status === 'created'), tally(report)).toHaveLength(ROWS);
  // Spot checks through Synapse itself: the first and the last account are there.
  for (const i of [1, ROWS]) {
    const u = await adminGetUser(admin.accessToken, `@p${i}-${tag}:${admin.serverName}`);
    expect(u?.displayname).toBe(`Page User ${i}`);
  }

  // From Node: the same GET (404) + PUT per user, `concurrency` at a time.
  let next = 1;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i > ROWS) return;
      const user = `@n${i}-${tag}:${admin.serverName}`;
      const p = `/_synapse/admin/v2/users/${user}`;
      const probe = await call('GET', p, { token: admin.accessToken });
      expect(probe.status, `GET ${user}`).toBe(404);
      const put = await call('PUT', p, {
        token: admin.accessToken,
        body: {
          password: `Pw-n${i}-${tag}-x7Q!`,
          displayname: `Node User ${i}`,
          threepids: [{ medium: 'email', address: `n${i}-${tag}@example.com` }],
        },
      });
      expect(put.status, `PUT ${user}: ${JSON.stringify(put.body)}`).toBe(201);
    }
  };
  t0 = Date.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const nodeSeconds = (Date.now() - t0) / 1000;

  const result = {
    name: 'synapse',
    rows: ROWS,
    concurrency,
    preset_rate_per_min: presetRate || null,
    page_seconds: pageSeconds,
    page_users_per_second: ROWS / pageSeconds,
    node_seconds: nodeSeconds,
    node_users_per_second: ROWS / nodeSeconds,
    ratio_page_to_node_time: pageSeconds / nodeSeconds,
    notes,
  };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify([result], null, 2));
  console.log(`[bench] ${JSON.stringify(result)}`);
  console.log(
    `[bench] Synapse, ${ROWS} users, ${concurrency} in flight: page ${result.page_users_per_second.toFixed(2)} users/s ` +
      `(${pageSeconds.toFixed(1)} s), Node ${result.node_users_per_second.toFixed(2)} users/s (${nodeSeconds.toFixed(1)} s), ` +
      `page time / Node time ${result.ratio_page_to_node_time.toFixed(2)}; ${notes.join('; ')}`,
  );
});
