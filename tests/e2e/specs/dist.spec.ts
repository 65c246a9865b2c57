/**
 * Issue 26: the built page as it is shipped.
 *  - Every file of dist/ has a pre-compressed `.br` and `.gz` next to it (written by the
 *    release build's post-build hook, build-hooks/precompress.mjs), and each decompresses
 *    to its original byte for byte, so a server that serves them (README, "Hosting")
 *    serves the same page.
 *  - The size budget check (scripts/size-check.sh, a step of `make test`) passes at the
 *    budget in scripts/size-budget, and fails for a budget one byte under today's total.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { test, expect } from '@playwright/test';
import { REPO_ROOT, distDir } from '../lib/sandbox-process';

test('every file of dist/ has a .br and a .gz that decompress to it', () => {
  const dist = distDir();
  const originals = fs.readdirSync(dist).filter((n) => !n.endsWith('.br') && !n.endsWith('.gz') && fs.statSync(path.join(dist, n)).isFile());
  // The page itself, its loader, its wasm and its style at least.
  for (const ext of ['.html', '.js', '.wasm', '.css']) expect(originals.some((n) => n.endsWith(ext)), ext).toBe(true);
  for (const name of originals) {
    const data = fs.readFileSync(path.join(dist, name));
    const br = fs.readFileSync(path.join(dist, `${name}.br`));
    const gz = fs.readFileSync(path.join(dist, `${name}.gz`));
    expect(zlib.brotliDecompressSync(br).equals(data), `${name}.br`).toBe(true);
    expect(zlib.gunzipSync(gz).equals(data), `${name}.gz`).toBe(true);
    if (data.length > 4096) {
      expect(br.length, `${name}.br is smaller`).toBeLessThan(data.length);
      expect(br.length, `${name}.br is no larger than its .gz`).toBeLessThanOrEqual(gz.length);
    }
  }
  // index.html.gz is the page with its Content-Security-Policy (written before it).
  expect(zlib.gunzipSync(fs.readFileSync(path.join(dist, 'index.html.gz'))).toString()).toContain('Content-Security-Policy');
});

test('the size budget check passes at the budget and fails one byte under the total', () => {
  const check = (...args: string[]) =>
    spawnSync('bash', [path.join(REPO_ROOT, 'scripts', 'size-check.sh'), ...args, distDir()], { encoding: 'utf8' });
  const ok = check();
  expect(ok.status, ok.stdout + ok.stderr).toBe(0);
  const total = Number(/size-check: (\d+) bytes gzip -9 of \d+ allowed/.exec(ok.stdout)?.[1]);
  expect(total).toBeGreaterThan(100_000);
  // Counted from the files index.html loads: the .br and .gz copies are not among them.
  expect(ok.stdout).not.toMatch(/\.(br|gz)\s/);
  expect(check('--budget', String(total)).status).toBe(0);
  const over = check('--budget', String(total - 1));
  expect(over.status).toBe(1);
  expect(over.stderr).toContain(`the initial transfer is ${total} bytes gzip -9, over the budget of ${total - 1}`);
});
