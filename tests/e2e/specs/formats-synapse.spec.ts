/**
 * End-to-end (issue 21): synapse-admin's CSV (`id,displayname,password,is_guest,admin,
 * deactivated`, no e-mail column) imported with the "Matrix Synapse" preset into a real
 * Synapse (global-setup.ts). The user name is the identity: no row needs an address, and
 * an `id` written as a full `@user:server` gives its local part. Checked through
 * Synapse's own admin API, and one login with a file password (Synapse's login budget is
 * 5 per address: see synapse.spec.ts; the admin here comes from the shared-secret
 * registration and its token is pasted, so this spec logs in once).
 */
import { test, expect } from '../lib/fixtures';
import { writeFixture } from '../lib/files';
import {
  controls,
  loadFile,
  openApp,
  readRows,
  startImport,
  statusWord,
  waitForFileRead,
  waitForImportFinished,
} from '../lib/app';
import { columnSelect } from '../lib/input';
import { adminGetUser, login, registerUser, runTag, synapseUrl } from '../lib/synapse';

test('synapse-admin CSV without e-mail addresses creates its accounts on a real Synapse', async ({ page }) => {
  test.setTimeout(120_000);
  const tag = runTag();
  const admin = await registerUser(`fmtadmin-${tag}`, `Admin-pw-${tag}`, { admin: true });
  const rows = [
    { id: `gina.mueller-${tag}`, local: `gina.mueller-${tag}`, name: 'Gina Müller', password: ` Tr01#anig-Qz37-${tag}` },
    { id: `@jose.garcia-${tag}:${admin.serverName}`, local: `jose.garcia-${tag}`, name: 'José García', password: `Tr02#esoj-Qz74-${tag}` },
    { id: `renee.dubois-${tag}`, local: `renee.dubois-${tag}`, name: 'Renée Dubois', password: `Tr03#eener-Qz14-${tag}` },
  ];
  // A full ID on another server: creating its local part here would be someone else.
  const foreign = { id: `@anais.noel-${tag}:elsewhere.example`, local: `anais.noel-${tag}`, name: 'Anaïs Noël', password: `Tr12#sia-Qz56-${tag}` };
  const csv =
    ['id,displayname,password,is_guest,admin,deactivated', ...[...rows, foreign].map((r) => `${r.id},${r.name},"${r.password}",false,false,false`)].join(
      '\n',
    ) + '\n';

  await openApp(page);
  await loadFile(page, writeFixture('synapse-admin-users.csv', csv));
  await waitForFileRead(page);
  await controls(page).target.selectOption({ label: 'Matrix Synapse' });
  await waitForFileRead(page);
  await expect(columnSelect(page, 'id')).toHaveValue('username');
  await expect(columnSelect(page, 'displayname')).toHaveValue('name');
  await expect(columnSelect(page, 'password')).toHaveValue('password');
  await page.getByLabel('Server URL', { exact: true }).fill(synapseUrl());
  await page.getByLabel('Access token', { exact: true }).fill(admin.accessToken);
  // Until the server is named, a full ID cannot be checked.
  await expect(controls(page).rowsTable.getByText('invalid', { exact: true })).toHaveCount(2);
  await page.getByLabel('Server name', { exact: true }).fill(admin.serverName);
  await page.getByLabel('Server name', { exact: true }).press('Tab');
  await waitForFileRead(page);
  // No row is invalid for want of an address; only the ID on another server is refused.
  await expect(controls(page).rowsTable.getByText('invalid', { exact: true })).toHaveCount(1);
  let table = await readRows(page);
  expect(table[3].Message).toContain(`is a Matrix ID on elsewhere.example; accounts are created on ${admin.serverName}: refused`);

  await startImport(page);
  await waitForImportFinished(page, rows.length + 1);
  table = await readRows(page);
  expect(table.map((r) => statusWord(r.Status))).toEqual(['created', 'created', 'created', 'invalid']);
  expect(await adminGetUser(admin.accessToken, `@${foreign.local}:${admin.serverName}`)).toBeUndefined();

  for (const r of rows) {
    const userId = `@${r.local}:${admin.serverName}`;
    const u = await adminGetUser(admin.accessToken, userId);
    expect(u, `${userId} exists on Synapse`).toBeDefined();
    expect(u!.displayname).toBe(r.name);
    expect(u!.threepids, `${userId} has no e-mail`).toEqual([]);
  }
  // The password with a leading space, as written in the file.
  const ok = await login(rows[0].local, rows[0].password);
  expect(ok.status, `logs in with the file's password: ${JSON.stringify(ok.body)}`).toBe(200);
});
