import { defineConfig } from '@playwright/test';
import base from '../playwright.config';

/**
 * Benchmarks, NOT part of `make test` (the main config only looks in specs/). They measure;
 * they do not pass or fail on timings. Run from tests/e2e:
 *
 *   npx playwright test -c bench/playwright.config.ts
 *
 * after `trunk build --release` and `cargo build --release -p roster-sandbox`.
 */
export default defineConfig({
  ...base,
  testDir: '.',
  testMatch: /.*\.bench\.ts$/,
  outputDir: '../test-results/bench',
  globalSetup: require.resolve('../global-setup'),
  timeout: 900_000,
});
