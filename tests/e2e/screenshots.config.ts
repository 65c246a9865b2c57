import { defineConfig } from '@playwright/test';
import base from './playwright.config';

/**
 * The README's screenshots (`scripts/screenshots.sh`): the same browser and sandbox as the
 * end-to-end tests, run on demand, never as part of `make test`. The PNGs go to
 * docs/screenshots/.
 */
export default defineConfig({
  ...base,
  testDir: 'shots',
  testMatch: /.*\.shot\.ts/,
  outputDir: 'shots-results',
  timeout: 120_000,
  use: { ...base.use, trace: 'off', screenshot: 'off', viewport: { width: 1280, height: 900 } },
});
