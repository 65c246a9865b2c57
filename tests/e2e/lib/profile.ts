/**
 * A CPU profile of the page (Chrome DevTools Protocol `Profiler`), summarised around its
 * long stretches: runs of samples with no idle time longer than 50 ms, which is where the
 * long tasks are. For each one, the functions that were on the stack longest (inclusive)
 * and that ran themselves longest (self). Wasm functions appear under their names when
 * the module keeps its name section (e.g. a build with `data-keep-debug`), else as
 * `wasm-function[N]`.
 */
import type { Page } from '@playwright/test';

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The profile's call tree: each node by id, and each node's parent. */
export function profileTree(p: Profile): { byId: Map<number, ProfileNode>; parent: Map<number, number> } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  return { byId, parent };
}

export async function startProfile(page: Page, intervalUs = 500) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: intervalUs });
  await cdp.send('Profiler.start');
  // A 20 ms spin under a known name ties the page's clock (performance.now) to the
  // profile's, so that long tasks can be looked up in the samples.
  const markNow = await page.evaluate(() => {
    const t = performance.now();
    (function __roster_profile_mark() {
      const end = performance.now() + 20;
      while (performance.now() < end) {
        /* spin */
      }
    })();
    return t;
  });
  return {
    /** `tasks`: long tasks as the page saw them (performance.now() ms). */
    async stop(tasks: { start: number; duration: number }[] = [], minStretchMs = 50, top = 12): Promise<string> {
      const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: Profile };
      await cdp.detach();
      return summarise(profile, minStretchMs, top) + '\n' + perTask(profile, markNow, tasks, top);
    },
  };
}

/** What each long task ran: inclusive time per function within the task's span. */
function perTask(p: Profile, markNow: number, tasks: { start: number; duration: number }[], top: number): string {
  const { byId, parent } = profileTree(p);
  const times: number[] = [];
  let t = 0;
  for (const d of p.timeDeltas) times.push((t += d) / 1000);
  const stack = (k: number) => {
    const names: string[] = [];
    let id: number | undefined = p.samples[k];
    while (id !== undefined) {
      names.push(byId.get(id)!.callFrame.functionName || '(anonymous)');
      id = parent.get(id);
    }
    return names;
  };
  const mark = p.samples.findIndex((_, k) => stack(k).includes('__roster_profile_mark'));
  if (mark < 0) return '[profile] the clock mark was not sampled';
  const offset = times[mark] - markNow;
  const out: string[] = [];
  const all = new Map<string, number>();
  for (const task of tasks) {
    const from = task.start + offset;
    const to = from + task.duration;
    const incl = new Map<string, number>();
    for (let k = 0; k < p.samples.length; k++) {
      if (times[k] < from || times[k] > to) continue;
      const dt = k + 1 < times.length ? times[k + 1] - times[k] : 0;
      for (const nm of new Set(stack(k))) {
        incl.set(nm, (incl.get(nm) ?? 0) + dt);
        all.set(nm, (all.get(nm) ?? 0) + dt);
      }
    }
    const lines = [...incl.entries()]
      .filter(([n]) => n !== '(root)')
      .sort((x, y) => y[1] - x[1])
      .slice(0, top)
      .map(([n, ms]) => `    ${ms.toFixed(1).padStart(7)} ms  ${n}`);
    out.push(`long task ${task.duration.toFixed(0)} ms at ${((task.start - markNow) / 1000).toFixed(1)} s:\n${lines.join('\n')}`);
  }
  const sum = [...all.entries()]
    .filter(([n]) => n !== '(root)')
    .sort((x, y) => y[1] - x[1])
    .slice(0, top * 3)
    .map(([n, ms]) => `    ${ms.toFixed(1).padStart(8)} ms  ${n}`);
  return `[profile] inside the ${tasks.length} long tasks, inclusive:\n${sum.join('\n')}\n${out.join('\n')}`;
}

function summarise(p: Profile, minStretchMs: number, top: number): string {
  const { byId, parent } = profileTree(p);
  const name = (n: ProfileNode) => {
    const f = n.callFrame;
    const file = f.url ? f.url.split('/').pop() : '';
    return f.functionName ? `${f.functionName}${file ? ` (${file})` : ''}` : `(anonymous ${file}:${f.lineNumber})`;
  };
  const idle = (id: number) => byId.get(id)!.callFrame.functionName === '(idle)';
  // Sample times in ms from the profile's start.
  const times: number[] = [];
  let t = 0;
  for (const d of p.timeDeltas) times.push((t += d) / 1000);
  const out: string[] = [];
  let i = 0;
  const stretches: [number, number][] = [];
  while (i < p.samples.length) {
    if (idle(p.samples[i])) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < p.samples.length && !idle(p.samples[j + 1])) j++;
    if (times[j] - times[i] >= minStretchMs) stretches.push([i, j]);
    i = j + 1;
  }
  const total = new Map<string, number>();
  const totalSelf = new Map<string, number>();
  for (const [a, b] of stretches) {
    const incl = new Map<string, number>();
    const self = new Map<string, number>();
    for (let k = a; k <= b; k++) {
      const dt = k + 1 < times.length ? times[k + 1] - times[k] : 0;
      let id: number | undefined = p.samples[k];
      const seen = new Set<string>();
      const leaf = name(byId.get(id)!);
      self.set(leaf, (self.get(leaf) ?? 0) + dt);
      totalSelf.set(leaf, (totalSelf.get(leaf) ?? 0) + dt);
      while (id !== undefined) {
        const nm = name(byId.get(id)!);
        if (!seen.has(nm)) {
          seen.add(nm);
          incl.set(nm, (incl.get(nm) ?? 0) + dt);
          total.set(nm, (total.get(nm) ?? 0) + dt);
        }
        id = parent.get(id);
      }
    }
    const fmt = (m: Map<string, number>) =>
      [...m.entries()]
        .sort((x, y) => y[1] - x[1])
        .slice(0, top)
        .map(([n, ms]) => `    ${ms.toFixed(1).padStart(8)} ms  ${n}`)
        .join('\n');
    out.push(
      `stretch of ${(times[b] - times[a]).toFixed(0)} ms at ${(times[a] / 1000).toFixed(1)} s:\n  inclusive:\n${fmt(incl)}\n  self:\n${fmt(self)}`,
    );
  }
  const fmtAll = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((x, y) => y[1] - x[1])
      .slice(0, top * 2)
      .map(([n, ms]) => `    ${ms.toFixed(1).padStart(8)} ms  ${n}`)
      .join('\n');
  return (
    `[profile] ${stretches.length} busy stretches of ${minStretchMs} ms or more\n` +
    out.slice(0, 20).join('\n') +
    `\n[profile] all stretches together, inclusive:\n${fmtAll(total)}\n  self:\n${fmtAll(totalSelf)}`
  );
}
