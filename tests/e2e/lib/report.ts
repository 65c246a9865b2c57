/**
 * The downloaded CSV report, read and held against the sandbox's state: the report must
 * say of every row only what the server shows.
 */
import * as fs from 'node:fs';
import { expect, type Page } from '@playwright/test';
import { controls } from './app';
import { parseCsv } from './csv';
import type { SandboxState } from './sandbox';

export interface ReportRow {
  row: number;
  email: string;
  status: string;
  message: string;
  targetId: string;
  /** `error_code` column, '' when absent. */
  errorCode: string;
}

/** Clicks "Download report" and reads the CSV (header checked, one record per input row). */
export async function downloadReport(page: Page): Promise<ReportRow[]> {
  const [download] = await Promise.all([page.waitForEvent('download'), controls(page).downloadReport.click()]);
  const records = parseCsv(fs.readFileSync(await download.path(), 'utf8'));
  const header = records[0];
  expect(header.slice(0, 5)).toEqual(['row', 'email', 'status', 'message', 'target_id']);
  const code = header.indexOf('error_code');
  return records.slice(1).map((r) => ({
    row: Number(r[0]),
    email: r[1],
    status: r[2],
    message: r[3],
    targetId: r[4],
    errorCode: code >= 0 ? (r[code] ?? '') : '',
  }));
}

/** Lower-cased address → id as the server holds it. */
export function auroraUsers(state: SandboxState): Map<string, string> {
  return new Map(state.aurora.users.map((u) => [u.public_id.toLowerCase(), String(u.id)]));
}

export function mumaraUsers(state: SandboxState): Map<string, string> {
  return new Map(state.mumara.users.map((u) => [String(u.email).toLowerCase(), String(u.id)]));
}

/** Rows the server confirms: `created` or `exists`. */
export function confirmed(report: ReportRow[]): ReportRow[] {
  return report.filter((r) => r.status === 'created' || r.status === 'exists');
}

/** `created 55, exists 5`: how many rows ended in each status. */
export function tally(report: ReportRow[]): string {
  const counts = new Map<string, number>();
  for (const r of report) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return [...counts].map(([status, count]) => `${status} ${count}`).join(', ');
}

/** One line per row that is not `created`, for failure messages. */
export function describeOddRows(report: ReportRow[]): string {
  return report
    .filter((r) => r.status !== 'created')
    .map((r) => `row ${r.row} ${r.email}: ${r.status} [${r.errorCode}] ${r.message}`)
    .join('\n');
}

/**
 * The report and the server agree, row by row:
 *  - every input row is there once, in input order;
 *  - `created`: the server holds it, with the id the report gives;
 *  - `exists`: the server holds it;
 *  - `failed` / `rejected` / `skipped` / `invalid`: the server does not hold it (a create
 *    the server may have carried out must never be reported as one of these);
 *  - `unknown`: either;
 *  - every user on the server is a row reported `created`, `exists` or `unknown`.
 */
export function expectReportMatchesServer(report: ReportRow[], emails: string[], server: Map<string, string>): void {
  const odd = describeOddRows(report);
  // `row` is the input line: one per row, rising (a header or blank lines may come first).
  const lines = report.map((r) => r.row);
  expect(lines).toEqual([...new Set(lines)].sort((a, b) => a - b));
  expect(report.map((r) => r.email)).toEqual(emails);
  for (const r of report) {
    const held = server.get(r.email.toLowerCase());
    const where = `row ${r.row} ${r.email} (${r.status}: ${r.message})\nrows not created:\n${odd}`;
    switch (r.status) {
      case 'created':
        expect(held, `${where}: created, so the server holds it`).toBeDefined();
        expect(r.targetId, `${where}: the id the server gave`).toBe(held);
        break;
      case 'exists':
        expect(held, `${where}: exists, so the server holds it`).toBeDefined();
        break;
      case 'unknown':
        break;
      case 'failed':
      case 'rejected':
      case 'skipped':
      case 'invalid':
        expect(held, `${where}: the server holds it, yet the report says ${r.status}`).toBeUndefined();
        break;
      default:
        throw new Error(`${where}: not a final status`);
    }
  }
  const accounted = new Set(
    report.filter((r) => ['created', 'exists', 'unknown'].includes(r.status)).map((r) => r.email.toLowerCase()),
  );
  for (const email of server.keys()) {
    expect(accounted.has(email), `${email} is on the server, so the report says created, exists or unknown\n${odd}`).toBe(true);
  }
}
