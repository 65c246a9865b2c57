import type { FullConfig } from '@playwright/test';
import { startSandbox } from './lib/sandbox-process';

/**
 * Starts roster-sandbox once for the whole run and exports its URLs to the workers
 * (Playwright passes process.env changes made here on to the worker processes).
 * The returned function is Playwright's global teardown: it stops the sandbox even when
 * tests failed. sandbox-process.ts also kills it on SIGINT/SIGTERM/SIGHUP/exit.
 *
 * If ROSTER_API_URL and ROSTER_PAGE_URL are already set, an already running sandbox is
 * used and nothing is started (handy when debugging the sandbox by hand).
 */
export default async function globalSetup(_config: FullConfig): Promise<void | (() => Promise<void>)> {
  if (process.env.ROSTER_API_URL && process.env.ROSTER_PAGE_URL) {
    process.stderr.write(
      `[e2e] using the running sandbox: api=${process.env.ROSTER_API_URL} page=${process.env.ROSTER_PAGE_URL}\n`,
    );
    return;
  }
  const sandbox = await startSandbox();
  process.env.ROSTER_API_URL = sandbox.urls.api;
  process.env.ROSTER_PAGE_URL = sandbox.urls.page;
  process.stderr.write(
    `[e2e] roster-sandbox pid ${sandbox.pid}: api=${sandbox.urls.api} page=${sandbox.urls.page} (log: ${sandbox.logFile})\n`,
  );
  return async () => {
    await sandbox.stop();
  };
}
