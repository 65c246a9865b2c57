import { defineConfig } from '@playwright/test';

/**
 * Roster end-to-end tests.
 *
 * global-setup.ts starts target/release/roster-sandbox (which serves the built app from
 * dist/ and the fake Aurora/Mumara APIs) and exports ROSTER_PAGE_URL / ROSTER_API_URL to
 * the workers. See README.md.
 */
export default defineConfig({
  testDir: 'specs',
  outputDir: 'test-results',
  globalSetup: require.resolve('./global-setup'),
  // The sandbox holds global state (users, counters): tests must run one at a time.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    headless: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    acceptDownloads: true,
    launchOptions: {
      executablePath: process.env.ROSTER_CHROMIUM || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
});
