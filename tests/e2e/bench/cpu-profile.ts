/**
 * Summaries of a CDP `Profiler` profile: self and total time per function (Rust hash
 * suffixes dropped), self time per crate, total time per Rust module. Used by
 * profile.bench.ts and import.bench.ts.
 */
import { profileTree, type Profile, type ProfileNode } from '../lib/profile';

export type { Profile };

/** `roster_core::input::parse::Foo::bar::h0123` → `roster_core`; `<csv_core::X as Y>::z` → `csv_core`. */
function crateOf(fn: string): string {
  const m = /^[<&\s]*(?:mut\s+|dyn\s+)*([A-Za-z_][A-Za-z0-9_]*)::/.exec(fn);
  return m ? m[1] : fn.startsWith('(') ? fn : '(js or unnamed)';
}

/** For roster_core, the module (`roster_core::input::parse`); else the crate. */
function moduleOf(fn: string): string {
  const c = crateOf(fn);
  if (c !== 'roster_core' && c !== 'roster') return c;
  const m = /^[<&\s]*((?:[A-Za-z_][A-Za-z0-9_]*::){1,3})/.exec(fn);
  return m ? m[1].replace(/::$/, '').split('::').filter((p) => /^[a-z_0-9]+$/.test(p)).join('::') : c;
}

/** Self and total ms per function, self per crate, total per Rust module; idle samples left out. */
export function summarise(p: Profile, TOP = 40) {
  const { byId, parent } = profileTree(p);
  const name = (n: ProfileNode) => {
    const f = n.callFrame;
    const file = f.url ? f.url.split('/').pop() : '';
    if (!f.functionName) return `(anonymous ${file}:${f.lineNumber})`;
    // Rust's hash suffix says nothing to a reader.
    const fn = f.functionName.replace(/::h[0-9a-f]{16}$/, '');
    return file && !file.endsWith('.wasm') && !fn.includes('::') ? `${fn} (${file})` : fn;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const crateSelf = new Map<string, number>();
  const moduleTotal = new Map<string, number>();
  let busy = 0;
  let all = 0;
  for (let k = 0; k < p.samples.length; k++) {
    const dt = (p.timeDeltas[k + 1] ?? 0) / 1000;
    all += dt;
    let id: number | undefined = p.samples[k];
    const leaf = name(byId.get(id)!);
    if (leaf === '(idle)') continue;
    busy += dt;
    self.set(leaf, (self.get(leaf) ?? 0) + dt);
    crateSelf.set(crateOf(leaf), (crateSelf.get(crateOf(leaf)) ?? 0) + dt);
    const seen = new Set<string>();
    const seenModules = new Set<string>();
    while (id !== undefined) {
      const nm = name(byId.get(id)!);
      if (!seen.has(nm)) {
        seen.add(nm);
        total.set(nm, (total.get(nm) ?? 0) + dt);
      }
      const mod = moduleOf(nm);
      if (nm.includes('::') && !seenModules.has(mod)) {
        seenModules.add(mod);
        moduleTotal.set(mod, (moduleTotal.get(mod) ?? 0) + dt);
      }
      id = parent.get(id);
    }
  }
  const top = (m: Map<string, number>, n = TOP) =>
    [...m.entries()]
      .sort((x, y) => y[1] - x[1])
      .slice(0, n)
      .map(([fn, ms]) => ({ fn, ms: Number(ms.toFixed(1)), share: Number((ms / busy).toFixed(3)) }));
  return {
    profile_ms: Number(all.toFixed(1)),
    busy_ms: Number(busy.toFixed(1)),
    samples: p.samples.length,
    self: top(self),
    total: top(total),
    crate_self: top(crateSelf, 25),
    module_total: top(moduleTotal, 40),
  };
}


type Line = { fn: string; ms: number; share: number };
export function formatSummary(s: ReturnType<typeof summarise>): string {
  const fmt = (xs: Line[]) => xs.map((x) => `  ${x.ms.toFixed(1).padStart(8)} ms ${(x.share * 100).toFixed(1).padStart(5)} %  ${x.fn}`).join('\n');
  return (
    `profile ${s.profile_ms} ms, busy ${s.busy_ms} ms\n` +
    `self:\n${fmt(s.self)}\ntotal:\n${fmt(s.total)}\nby crate (self):\n${fmt(s.crate_self)}\nby module (total):\n${fmt(s.module_total)}`
  );
}
