/**
 * End-to-end (issue 22, "Fields as data"): a profile declares a field of its own.
 *
 * The admin downloads the Microsoft Graph preset, adds a `department` field (label
 * "Department", aliases "Abteilung" and "dept", at most 64 characters, as Graph's user
 * resource allows) sent as the create's `department`, and loads it through "Load a
 * profile…". A file whose header says "Abteilung" maps that column to it without help; a
 * value over 64 characters is flagged in the rows table and in the row editor, which
 * shows the column and its value; Set offers the field; the template lists it; the
 * import sends it, and the sandbox's Graph holds each user's department (and returns it
 * on `$select`, as Graph does).
 */
import * as fs from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect } from '../lib/fixtures';
import { apiUrl, sandboxState } from '../lib/sandbox';
import { writeFixture } from '../lib/files';
import { controls, loadFile, openApp, readRows, waitForFileRead } from '../lib/app';
import { inputControls } from '../lib/input';
import { clickStart, waitForRunEnd } from '../lib/watchdog';
import { downloadReport } from '../lib/report';

const GRAPH_TOKEN = 'sandbox-graph-token';
const LOAD = 'Load a profile…';
const NAME = 'Microsoft Graph (departments)';

interface GraphUser {
  id: string;
  user_principal_name: string;
  department: string | null;
}

/** Chooses the preset and downloads it with the page's "Download profile" button. */
async function downloadPreset(page: Page, label: string): Promise<Record<string, unknown>> {
  await controls(page).target.selectOption({ label });
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download profile' }).click(),
  ]);
  return JSON.parse(fs.readFileSync((await download.path())!, 'utf8'));
}

/** The Graph preset with a `department` field of its own, sent in the create. */
function withDepartment(preset: Record<string, unknown>): Record<string, unknown> {
  const fields = preset.fields as Record<string, unknown>[];
  const create = preset.create as { json: Record<string, unknown> };
  return {
    ...preset,
    id: 'graph-departments',
    name: NAME,
    fields: [
      ...fields,
      { field: 'department', label: 'Department', check: 'text', max_len: 64, aliases: ['Abteilung', 'dept'] },
    ],
    create: { ...create, json: { ...create.json, department: '{user.department}' } },
  };
}

const LONG = 'Forschung und Entwicklung der Abteilung für besonders lange Namen XL';

test('a profile with a department field of its own: mapped from "Abteilung", checked, edited, sent', async ({
  page,
  sandbox,
}) => {
  expect(LONG.length).toBeGreaterThan(64);
  await openApp(page);
  const preset = await downloadPreset(page, 'Microsoft Graph (Entra ID)');
  await controls(page).target.selectOption({ label: LOAD });
  await page
    .getByLabel('Choose profile file')
    .setInputFiles(writeFixture('graph-departments.json', JSON.stringify(withDepartment(preset), null, 2)));
  const c = controls(page);
  await expect(c.target.locator('option:checked')).toHaveText(NAME);

  // The template lists the field, with its label in the column notes.
  const [template] = await Promise.all([page.waitForEvent('download'), inputControls(page).template.click()]);
  const lines = fs.readFileSync((await template.path())!, 'utf8').split('\r\n');
  expect(lines[2]).toBe('email,password,name,username,department');
  expect(lines[1]).toContain('department: Department; at most 64 characters (optional)');

  const csv =
    [
      'E-Mail,Passwort,Name,Abteilung',
      'dana@example.com,Pw-dana-x7Q!,Dana Weber,Vertrieb',
      'emil@example.com,Pw-emil-x7Q!,Emil Roth,Einkauf',
      `fritz@example.com,Pw-fritz-x7Q!,Fritz Lang,${LONG}`,
    ].join('\n') + '\n';
  await loadFile(page, writeFixture('abteilungen.csv', csv));
  await waitForFileRead(page);

  // "Abteilung" maps to the profile's own field without help.
  const select = page.getByRole('combobox', { name: 'Abteilung', exact: true });
  await expect(select).toHaveValue('department');
  await expect(select.locator('option:checked')).toHaveText('Department');

  // The too-long value is flagged in the table, naming the field, its column and the limit.
  await expect.poll(async () => (await readRows(page))[2].Message).toContain('department in column "Abteilung"');
  const rows = await readRows(page);
  expect(rows[2].Message).toContain('at most 64 are accepted');
  expect(rows[0].Message).toBe('');
  expect(rows[1].Message).toBe('');

  // "Set" offers the field.
  const bulk = page.getByRole('group', { name: /listed row/ });
  await expect(bulk.getByLabel('Set', { exact: true }).locator('option', { hasText: 'department' })).toHaveCount(1);

  // The row editor shows the column and its value, marked; a shorter value makes the row valid.
  await page.getByRole('button', { name: 'Edit line 4', exact: true }).click();
  const form = page.getByRole('form', { name: 'Edit line 4' });
  const field = form.getByLabel('Abteilung', { exact: true });
  await expect(field).toHaveValue(LONG);
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await expect(field).toHaveAccessibleDescription(/at most 64/);
  await field.fill('Forschung');
  await form.getByRole('button', { name: 'Save row' }).click();
  await expect(form).toBeHidden();
  await expect.poll(async () => (await readRows(page))[2].Message).toBe('');

  await c.serverUrl.fill(sandbox.apiUrl);
  await page.getByLabel('Access token', { exact: true }).fill(GRAPH_TOKEN);
  await page.getByLabel('Access token', { exact: true }).press('Tab');
  await expect(c.rowsTable.getByText('invalid', { exact: true })).toHaveCount(0);
  await clickStart(page);
  await waitForRunEnd(page, { overallMs: 60_000, what: 'the run with a department field' });
  const report = await downloadReport(page);
  expect(report.map((r) => r.status)).toEqual(['created', 'created', 'created']);

  // The sandbox's Graph holds each department, and returns it on $select as Graph does.
  const state = (await sandboxState()) as unknown as { graph: { users: GraphUser[] } };
  const want: Record<string, string> = {
    'dana@example.com': 'Vertrieb',
    'emil@example.com': 'Einkauf',
    'fritz@example.com': 'Forschung',
  };
  for (const [upn, department] of Object.entries(want)) {
    const user = state.graph.users.find((u) => u.user_principal_name === upn);
    expect(user, `${upn} created`).toBeTruthy();
    expect(user!.department, `${upn}'s department reached Graph`).toBe(department);
  }
  const answer = await fetch(`${apiUrl()}/v1.0/users/dana@example.com?$select=department`, {
    headers: { authorization: `Bearer ${GRAPH_TOKEN}` },
  });
  expect(answer.status).toBe(200);
  expect(((await answer.json()) as { department: string }).department).toBe('Vertrieb');
});
