/**
 * Starts and stops a real Matrix Synapse for the end-to-end tests.
 *
 * Synapse comes from PyPI into a virtualenv at .tools/synapse (scripts/synapse-lib.sh,
 * `ensure_synapse`, run by `make test`). Each start makes a fresh homeserver in a temporary
 * directory: Synapse's own `--generate-config` for server name `localhost` with SQLite,
 * then a second config file (Synapse merges `-c` files in order, later keys win) that
 * binds the client listener to 127.0.0.1 on a free port. Nothing else is changed: the
 * rate limits, password hashing and the rest are Synapse's defaults, so the tests meet
 * Synapse as an admin's server would behave.
 *
 * Ready means `GET /_matrix/client/versions` answers 200. The process's stdout/stderr are
 * drained into tests/e2e/synapse.log; Synapse's own log (its generated logging config,
 * INFO, one line per request) goes to tests/e2e/synapse-homeserver.log.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { supervise } from './child';
import { E2E_DIR, REPO_ROOT } from './sandbox-process';

const READY_TIMEOUT_MS = Number(process.env.ROSTER_SYNAPSE_READY_TIMEOUT_MS || 90_000);
const STOP_GRACE_MS = 10_000;
const SERVER_NAME = 'localhost';

export interface SynapseProcess {
  /** Base URL without trailing slash: http://127.0.0.1:PORT */
  url: string;
  /** The generated config's registration_shared_secret (for /_synapse/admin/v1/register). */
  secret: string;
  serverName: string;
  pid: number | undefined;
  logFile: string;
  /** SIGTERM, then SIGKILL after a grace period; removes the temporary directory. Idempotent. */
  stop(): Promise<void>;
}

export function synapseVenv(): string {
  return process.env.ROSTER_SYNAPSE_VENV || path.join(REPO_ROOT, '.tools', 'synapse');
}

/** Why Synapse cannot be started, or undefined when the virtualenv is there. */
export function synapseMissing(): string | undefined {
  const python = path.join(synapseVenv(), 'bin', 'python');
  if (fs.existsSync(python)) return undefined;
  return (
    `Matrix Synapse is not installed: ${python} does not exist.\n` +
    `Install it (once, about 20 s) with\n` +
    `  bash -c 'source scripts/lib.sh; source scripts/synapse-lib.sh; ensure_synapse'\n` +
    `(make test does this), or point ROSTER_SYNAPSE_VENV at a virtualenv holding matrix-synapse.`
  );
}

/** A port free on 127.0.0.1 right now (the OS picks it; Synapse binds it a moment later). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** The value of a top-level `key: "value"` line of the generated homeserver.yaml. */
export function readYamlString(yaml: string, key: string): string {
  const m = yaml.match(new RegExp(`^${key}:\\s*"((?:[^"\\\\]|\\\\.)*)"\\s*$`, 'm'));
  if (!m) throw new Error(`the generated homeserver.yaml has no quoted ${key}`);
  // Synapse writes the value with json.dumps-like quoting; the secrets it generates are
  // printable ASCII without quotes or backslashes, but undo escapes anyway.
  return JSON.parse(`"${m[1]}"`) as string;
}

function tail(file: string, max = 4000): string {
  try {
    const s = fs.readFileSync(file, 'utf8');
    return s.length > max ? '…' + s.slice(s.length - max) : s;
  } catch {
    return '(none)';
  }
}

export async function startSynapse(): Promise<SynapseProcess> {
  const missing = synapseMissing();
  if (missing) throw new Error(missing);
  const python = path.join(synapseVenv(), 'bin', 'python');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-synapse-'));
  const config = path.join(dir, 'homeserver.yaml');
  const overrides = path.join(dir, 'roster-overrides.yaml');
  const logFile = process.env.ROSTER_SYNAPSE_LOG || path.join(E2E_DIR, 'synapse.log');
  const homeserverLog = path.join(path.dirname(logFile), 'synapse-homeserver.log');

  const gen = spawnSync(
    python,
    [
      '-m', 'synapse.app.homeserver',
      '--server-name', SERVER_NAME,
      '--config-path', config,
      '--data-directory', dir,
      '--generate-config',
      '--report-stats=no',
    ],
    { cwd: dir, encoding: 'utf8', timeout: 120_000 },
  );
  if (gen.status !== 0 || !fs.existsSync(config)) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `Synapse could not generate its config (${gen.error?.message ?? `exit ${gen.status}`}):\n${gen.stdout}\n${gen.stderr}`,
    );
  }
  const generated = fs.readFileSync(config, 'utf8');
  const secret = readYamlString(generated, 'registration_shared_secret');

  // Synapse's generated logging config, writing to a file we keep after the run.
  const logConfig = path.join(dir, `${SERVER_NAME}.log.config`);
  fs.writeFileSync(
    logConfig,
    fs.readFileSync(logConfig, 'utf8').replace(/filename: .*/, `filename: ${JSON.stringify(homeserverLog)}`),
  );
  try {
    fs.rmSync(homeserverLog, { force: true });
  } catch {
    /* not there */
  }

  const port = await freePort();
  fs.writeFileSync(
    overrides,
    [
      '# Written by tests/e2e/lib/synapse-process.ts; read after homeserver.yaml, so these keys win.',
      '# The client API (the admin API is part of it) on loopback only, on a free port,',
      '# without federation: the tests need no other server.',
      'listeners:',
      `  - port: ${port}`,
      "    bind_addresses: ['127.0.0.1']",
      '    type: http',
      '    tls: false',
      '    x_forwarded: false',
      '    resources:',
      '      - names: [client]',
      '        compress: false',
      '# The machine reaches no key server; Synapse fetches none for local users anyway.',
      'trusted_key_servers: []',
      '',
    ].join('\n'),
  );

  const log = fs.createWriteStream(logFile, { flags: 'w' });
  const args = ['-m', 'synapse.app.homeserver', '-c', config, '-c', overrides];
  const child: ChildProcess = spawn(python, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (b: Buffer) => log.write(b));
  child.stderr!.on('data', (b: Buffer) => log.write(b));

  // Killed if the runner goes away without running teardown (as the sandbox).
  const proc = supervise(child);
  let spawnError: Error | undefined;
  child.once('error', (e) => {
    spawnError = e;
  });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await proc.stop(STOP_GRACE_MS);
    await new Promise<void>((r) => log.end(r));
    if (!process.env.ROSTER_SYNAPSE_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  for (;;) {
    if (spawnError || proc.exited()) {
      await new Promise((r) => setTimeout(r, 100));
      await stop();
      throw new Error(
        `Synapse did not start: ${spawnError ? spawnError.message : proc.exitInfo()}\n` +
          `command: ${python} ${args.join(' ')}\n--- output (${logFile}) ---\n${tail(logFile)}\n` +
          `--- homeserver log (${homeserverLog}) ---\n${tail(homeserverLog)}`,
      );
    }
    try {
      const res = await fetch(`${url}/_matrix/client/versions`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() - t0 > READY_TIMEOUT_MS) {
      await stop();
      throw new Error(
        `Synapse did not answer GET /_matrix/client/versions with 200 within ${READY_TIMEOUT_MS / 1000} s\n` +
          `--- output ---\n${tail(logFile)}\n--- homeserver log ---\n${tail(homeserverLog)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return { url, secret, serverName: SERVER_NAME, pid: child.pid, logFile: homeserverLog, stop };
}
