/**
 * Starts and stops the roster-sandbox binary.
 *
 * The sandbox prints, among human-readable lines, exactly one line
 *   ROSTER_SANDBOX_READY {"api":"http://127.0.0.1:PORT","page":"http://127.0.0.1:PORT2"}
 * once both listeners are bound. We wait for that line, then keep draining its output
 * into a log file (an undrained pipe would eventually block the server).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { supervise } from './child';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const E2E_DIR = path.resolve(__dirname, '..');

export const READY_PREFIX = 'ROSTER_SANDBOX_READY';
const READY_TIMEOUT_MS = Number(process.env.ROSTER_SANDBOX_READY_TIMEOUT_MS || 30_000);
const STOP_GRACE_MS = 5_000;
const MAX_KEPT_OUTPUT = 64 * 1024;

export interface SandboxUrls {
  /** Base of both APIs and of the control API, without trailing slash. */
  api: string;
  /** Where the built app is served, without trailing slash. */
  page: string;
}

export interface SandboxProcess {
  urls: SandboxUrls;
  pid: number | undefined;
  logFile: string;
  /** Stops the process (SIGTERM, then SIGKILL after a grace period). Idempotent. */
  stop(): Promise<void>;
}

export function sandboxBinary(): string {
  return process.env.ROSTER_SANDBOX_BIN || path.join(REPO_ROOT, 'target', 'release', 'roster-sandbox');
}

export function distDir(): string {
  return process.env.ROSTER_DIST || path.join(REPO_ROOT, 'dist');
}

function stripSlash(u: string): string {
  return u.replace(/\/+$/, '');
}

/** Parses a READY line; returns undefined for any other line. Exported for tests. */
export function parseReadyLine(line: string): SandboxUrls | undefined {
  const idx = line.indexOf(READY_PREFIX);
  if (idx < 0) return undefined;
  const json = line.slice(idx + READY_PREFIX.length).trim();
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch (e) {
    throw new Error(`roster-sandbox printed a malformed READY line: ${JSON.stringify(line)}`);
  }
  const o = v as { api?: unknown; page?: unknown };
  if (o.page === null) {
    throw new Error(`roster-sandbox serves no page (READY line has "page": null; was --dist ignored?): ${line}`);
  }
  if (typeof o.api !== 'string' || typeof o.page !== 'string') {
    throw new Error(`roster-sandbox READY line lacks "api"/"page" strings: ${JSON.stringify(line)}`);
  }
  return { api: stripSlash(o.api), page: stripSlash(o.page) };
}

export async function startSandbox(): Promise<SandboxProcess> {
  const bin = sandboxBinary();
  const dist = distDir();
  if (!fs.existsSync(bin)) {
    throw new Error(
      `roster-sandbox binary not found at ${bin}.\n` +
        `Build it with \`cargo build --release -p roster-sandbox\` or set ROSTER_SANDBOX_BIN.`,
    );
  }
  if (!fs.existsSync(dist)) {
    throw new Error(
      `Built app not found at ${dist}.\n` +
        `Build it with \`trunk build --release\` or set ROSTER_DIST.`,
    );
  }

  const logFile = process.env.ROSTER_SANDBOX_LOG || path.join(E2E_DIR, 'sandbox.log');
  const log = fs.createWriteStream(logFile, { flags: 'w' });
  const verbose = !!process.env.ROSTER_SANDBOX_VERBOSE;
  let kept = '';
  const keep = (s: string) => {
    kept += s;
    if (kept.length > MAX_KEPT_OUTPUT) kept = kept.slice(kept.length - MAX_KEPT_OUTPUT);
  };

  const args = ['--dist', dist, '--api-port', '0', '--page-port', '0'];
  const child: ChildProcess = spawn(bin, args, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env },
  });

  // Killed if the runner goes away without running teardown.
  const proc = supervise(child);
  const stop = async () => {
    await proc.stop(STOP_GRACE_MS);
    await new Promise<void>((r) => log.end(r));
  };


  const urls = await new Promise<SandboxUrls>((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      proc.killNow();
      proc.release();
      log.end();
      reject(
        new Error(
          `roster-sandbox did not become ready: ${why}\n` +
            `command: ${bin} ${args.join(' ')}\n` +
            `--- sandbox output ---\n${kept || '(no output)'}\n--- end of sandbox output ---`,
        ),
      );
    };
    const timer = setTimeout(() => fail(`no ${READY_PREFIX} line within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);

    const onLine = (stream: string) => (line: string) => {
      log.write(`[${stream}] ${line}\n`);
      if (verbose) process.stderr.write(`[sandbox ${stream}] ${line}\n`);
      if (settled) return;
      keep(line + '\n');
      let parsed: SandboxUrls | undefined;
      try {
        parsed = parseReadyLine(line);
      } catch (e) {
        fail((e as Error).message);
        return;
      }
      if (parsed) {
        settled = true;
        clearTimeout(timer);
        resolve(parsed);
      }
    };
    readline.createInterface({ input: child.stdout! }).on('line', onLine('out'));
    readline.createInterface({ input: child.stderr! }).on('line', onLine('err'));

    child.once('error', (err) => fail(`could not start ${bin}: ${err.message}`));
    proc.exitPromise.then(() => {
      // Give readline a tick to deliver the last lines before reporting.
      setTimeout(() => fail(`process ${proc.exitInfo()} before printing ${READY_PREFIX}`), 50);
    });
  });

  return { urls, pid: child.pid, logFile, stop };
}
