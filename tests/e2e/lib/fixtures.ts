/**
 * The `test` object every spec imports. It
 *  - points baseURL at the sandbox's page server (so `page.goto('/')` opens the app),
 *  - resets the sandbox before each test (auto fixture),
 *  - gives tests `sandbox` ({ apiUrl, pageUrl, auroraServerUrl }) and collects the page's
 *    console errors and uncaught exceptions in `consoleErrors`.
 */
import { test as base, expect } from '@playwright/test';
import { apiUrl, auroraServerUrl, pageUrl, resetSandbox } from './sandbox';

export interface SandboxInfo {
  apiUrl: string;
  pageUrl: string;
  /** What to type in "Server URL" for Aurora (`<apiUrl>/`). */
  auroraServerUrl: string;
}

interface Fixtures {
  sandbox: SandboxInfo;
  consoleErrors: string[];
  resetBeforeEach: void;
}

export const test = base.extend<Fixtures>({
  baseURL: async ({}, use) => {
    await use(pageUrl() + '/');
  },
  sandbox: async ({}, use) => {
    await use({ apiUrl: apiUrl(), pageUrl: pageUrl(), auroraServerUrl: auroraServerUrl() });
  },
  resetBeforeEach: [
    async ({}, use) => {
      await resetSandbox();
      await use();
    },
    { auto: true },
  ],
  consoleErrors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
    await use(errors);
  },
});

export { expect };
