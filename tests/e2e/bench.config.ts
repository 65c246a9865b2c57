import { defineConfig } from '@playwright/test';
import base from './playwright.config';

/**
 * Benchmarks: the same browser and sandbox as the end-to-end tests, but run on demand
 * (`make bench`), never as part of `make test`'s pass/fail. Sizes come from the
 * environment (each bench file names its knobs at its top, and scripts/bench.sh lists them);
 * results are printed and written to bench-results/.
 */
export default defineConfig({
  ...base,
  testDir: 'bench',
  testMatch: /.*\.bench\.ts/,
  outputDir: 'bench-results/artifacts',
  timeout: 60 * 60_000,
  expect: { timeout: 60_000 },
  use: { ...base.use, trace: 'off', screenshot: 'off' },
});
