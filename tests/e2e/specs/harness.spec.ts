/**
 * Checks the harness itself: the sandbox started by global-setup.ts answers its control
 * API, reset clears state, and the page server answers. Needs no working app.
 */
import { test, expect } from '../lib/fixtures';
import { resetSandbox, sandboxState, seedSandbox } from '../lib/sandbox';
import { parseCsv, isNeutralised } from '../lib/csv';
import { crTxt, SEED_LINES } from '../lib/files';

test.describe('harness', () => {
  test('sandbox control API answers and reset clears state', async ({ sandbox }) => {
    expect(sandbox.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sandbox.pageUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    let state = await sandboxState();
    expect(state.aurora.users).toEqual([]);
    expect(state.aurora.create_calls).toBe(0);
    expect(state.aurora.logins).toBe(0);

    await seedSandbox({ aurora: ['seeded@localhost'] });
    state = await sandboxState();
    expect(state.aurora.users.map((u) => u.public_id)).toEqual(['seeded@localhost']);

    await resetSandbox();
    state = await sandboxState();
    expect(state.aurora.users).toEqual([]);
  });

  test('page server answers', async ({ sandbox }) => {
    const res = await fetch(sandbox.pageUrl + '/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type') ?? '').toContain('text/html');
  });

  test('helpers: CSV reader and cr.txt writer', () => {
    expect(parseCsv('\ufeffa,b\r\n"x,""y""",\'=1\r\n')).toEqual([
      ['a', 'b'],
      ['x,"y"', "'=1"],
    ]);
    expect(parseCsv('a\n"multi\nline"\n')).toEqual([['a'], ['multi\nline']]);
    expect(isNeutralised("'=cmd")).toBe(true);
    expect(isNeutralised('=cmd')).toBe(false);
    expect(crTxt(SEED_LINES.slice(0, 2), { trailingBlank: true })).toBe(
      'a@localhost | p123\r\na2@localhost | p232\r\n\r\n',
    );
  });
});
