/**
 * Accessibility checks shared by the specs: axe-core injected from node_modules, field
 * border contrast (WCAG 1.4.11, which axe does not check), and no sideways page scroll
 * at narrow widths.
 */
import * as path from 'node:path';
import type { Page } from '@playwright/test';
import { expect } from './fixtures';

const AXE = path.join(__dirname, '..', 'node_modules', 'axe-core', 'axe.min.js');

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Injects axe-core into every document the page opens. The page's Content-Security-Policy
 * (script-src 'self' and a hash) rightly refuses an added <script> tag (addScriptTag), and
 * bypassing the policy would test another page than the one shipped; an init script is
 * evaluated by the browser's DevTools protocol, which the policy does not govern.
 */
export async function useAxe(page: Page): Promise<void> {
  await page.addInitScript({ path: AXE });
}

/** Runs axe-core on the whole page; returns its serious and critical violations. */
export async function seriousViolations(page: Page): Promise<Violation[]> {
  expect(await page.evaluate(() => 'axe' in window), 'axe-core is injected (useAxe)').toBe(true);
  return page.evaluate(async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const axe = (window as any).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return (
      result.violations as Array<{
        id: string;
        impact: string | null;
        help: string;
        nodes: Array<{ target: unknown[] }>;
      }>
    )
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => JSON.stringify(n.target)),
      }));
  });
}

/**
 * Every enabled, visible form field whose border outlines it: the border's contrast
 * against the background around the field (the nearest opaque ancestor's), which WCAG
 * 1.4.11 wants at 3:1 at least. axe-core does not check borders.
 */
export async function weakFieldBorders(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
    const lum = ([r, g, b]: number[]) => {
      const lin = (v: number) => {
        const x = v / 255;
        return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    const ratio = (a: number[], b: number[]) => {
      const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
      return (hi + 0.05) / (lo + 0.05);
    };
    const around = (el: Element): number[] => {
      for (let p = el.parentElement; p; p = p.parentElement) {
        const c = rgb(getComputedStyle(p).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    const fields = document.querySelectorAll(
      'input[type="text"], input[type="url"], input[type="password"], input[type="number"], select, textarea',
    );
    const weak: string[] = [];
    for (const el of Array.from(fields)) {
      const h = el as HTMLInputElement;
      if (h.disabled || h.offsetParent === null) continue;
      const r = ratio(rgb(getComputedStyle(h).borderTopColor).slice(0, 3), around(h));
      if (r < 3) weak.push(`${h.id || h.tagName}: ${r.toFixed(2)}:1`);
    }
    return weak;
  });
}

/** The checks every state must pass. */
export async function expectAccessible(page: Page, state: string, width: number): Promise<void> {
  expect(await seriousViolations(page), `axe: serious or critical violations (${state})`).toEqual([]);
  expect(await weakFieldBorders(page), `field borders under 3:1 (${state})`).toEqual([]);
  if (width <= 390) {
    const wide = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    expect(wide.scroll, `page width at ${width} px (${state}): no sideways scroll`).toBeLessThanOrEqual(width);
  }
}

