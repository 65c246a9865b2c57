import type { FullConfig } from '@playwright/test';
import { startSandbox } from './lib/sandbox-process';
import { startSynapse, synapseMissing, type SynapseProcess } from './lib/synapse-process';

/**
 * Starts roster-sandbox and a real Matrix Synapse once for the whole run and exports their
 * URLs to the workers (Playwright passes process.env changes made here on to the worker
 * processes). The returned function is Playwright's global teardown: it stops both even
 * when tests failed. sandbox-process.ts and synapse-process.ts also kill them on
 * SIGINT/SIGTERM/SIGHUP/exit.
 *
 * If ROSTER_API_URL and ROSTER_PAGE_URL are already set, an already running sandbox is
 * used and nothing is started (handy when debugging the sandbox by hand). Likewise
 * ROSTER_SYNAPSE_URL with ROSTER_SYNAPSE_SECRET (its registration_shared_secret) uses a
 * Synapse of one's own.
 *
 * Synapse not being installed, or failing to start, does not stop the other specs: the
 * reason goes to the workers as ROSTER_SYNAPSE_ERROR and the Synapse spec fails with it.
 * ROSTER_SYNAPSE=off starts none (for quick runs of other specs; the Synapse spec then
 * fails saying so).
 */
export default async function globalSetup(_config: FullConfig): Promise<void | (() => Promise<void>)> {
  const synapse = setUpSynapse();
  if (process.env.ROSTER_API_URL && process.env.ROSTER_PAGE_URL) {
    process.stderr.write(
      `[e2e] using the running sandbox: api=${process.env.ROSTER_API_URL} page=${process.env.ROSTER_PAGE_URL}\n`,
    );
    const syn = await synapse;
    return syn ? () => syn.stop() : undefined;
  }
  let sandbox;
  try {
    sandbox = await startSandbox();
  } catch (e) {
    await (await synapse)?.stop();
    throw e;
  }
  process.env.ROSTER_API_URL = sandbox.urls.api;
  process.env.ROSTER_PAGE_URL = sandbox.urls.page;
  process.stderr.write(
    `[e2e] roster-sandbox pid ${sandbox.pid}: api=${sandbox.urls.api} page=${sandbox.urls.page} (log: ${sandbox.logFile})\n`,
  );
  const syn = await synapse;
  return async () => {
    await Promise.all([sandbox.stop(), syn?.stop()]);
  };
}

/** Starts Synapse (alongside the sandbox's start), or records why there is none. */
async function setUpSynapse(): Promise<SynapseProcess | undefined> {
  if (process.env.ROSTER_SYNAPSE_URL) {
    if (!process.env.ROSTER_SYNAPSE_SECRET) {
      process.env.ROSTER_SYNAPSE_ERROR =
        'ROSTER_SYNAPSE_URL is set without ROSTER_SYNAPSE_SECRET (the registration_shared_secret of that homeserver).';
    } else {
      process.stderr.write(`[e2e] using the running Synapse: ${process.env.ROSTER_SYNAPSE_URL}\n`);
    }
    return undefined;
  }
  if (process.env.ROSTER_SYNAPSE === 'off') {
    process.env.ROSTER_SYNAPSE_ERROR = 'Synapse was not started: ROSTER_SYNAPSE=off.';
    return undefined;
  }
  const missing = synapseMissing();
  if (missing) {
    process.env.ROSTER_SYNAPSE_ERROR = missing;
    process.stderr.write(`[e2e] ${missing}\n`);
    return undefined;
  }
  try {
    const syn = await startSynapse();
    process.env.ROSTER_SYNAPSE_URL = syn.url;
    process.env.ROSTER_SYNAPSE_SECRET = syn.secret;
    process.stderr.write(`[e2e] Synapse pid ${syn.pid}: ${syn.url} (log: ${syn.logFile})\n`);
    return syn;
  } catch (e) {
    process.env.ROSTER_SYNAPSE_ERROR = (e as Error).message;
    process.stderr.write(`[e2e] ${(e as Error).message}\n`);
    return undefined;
  }
}
