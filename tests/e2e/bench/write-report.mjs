// Writes the benchmark results (bench-results/*.json) into BENCHMARKS.md between the
// markers <!-- bench:begin --> and <!-- bench:end -->, with the machine, the browser, the
// date and the command. Text outside the markers is kept as it is.
// Usage: node bench/write-report.mjs <BENCHMARKS.md> <bundle-size table file> <command>
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

const [mdPath, sizeTable, command] = process.argv.slice(2);
const dir = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'bench-results');
const load = (f) => (fs.existsSync(path.join(dir, f)) ? JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) : []);
const parse = load('parse.json');
const imp = load('import.json');
const f1 = (x) => (x == null ? '' : Number(x).toFixed(1));
const f2 = (x) => (x == null ? '' : Number(x).toFixed(2));
const rps = (n, ms) => (ms ? Math.round(n / (ms / 1000)).toLocaleString('en-US') : '');
const mib = (x) => (x == null ? 'n/a' : (x / 1048576).toFixed(1) + ' MiB');

let chromium = 'unknown';
try {
  chromium = execFileSync('/usr/bin/chromium', ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
} catch {}
const cpu = os.cpus()[0]?.model ?? 'unknown';
const lines = [];
lines.push(`Run on ${new Date().toISOString().slice(0, 10)}: ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; ${chromium}, headless.`);
lines.push('');
lines.push(`Command: \`${command}\``);
lines.push('');
lines.push('### Size');
lines.push('');
lines.push(fs.readFileSync(sizeTable, 'utf8').trim());
lines.push('');
const start = parse.find((r) => r.name === 'start-up');
if (start) {
  lines.push(`### Start-up\n\nNavigation to a usable page on localhost, median of ${start.runs.length}: **${f1(start.median_ms)} ms** (runs: ${start.runs.map(f1).join(', ')}).\n`);
}
const rows = parse.filter((r) => r.name.startsWith('parse'));
if (rows.length) {
  lines.push('### Parse throughput (median of runs; Roster = the whole read → map → validate path through the page)');
  lines.push('');
  lines.push('| file | rows | MB | Roster ms | PapaParse ms | uDSV ms | Roster MB/s | PapaParse MB/s | uDSV MB/s | Roster rows/s | PapaParse rows/s | uDSV rows/s | Roster ÷ PapaParse speed | Roster ÷ uDSV speed | longest task ms | long-task total ms |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    lines.push(`| ${r.name.replace('parse ', '')} | ${r.rows} | ${r.mb} | ${f1(r.roster_ms)} | ${f1(r.papaparse_ms)} | ${f1(r.udsv_ms)} | ${f1(r.roster_mb_s)} | ${f1(r.papaparse_mb_s)} | ${f1(r.udsv_mb_s)} | ${rps(r.rows, r.roster_ms)} | ${rps(r.rows, r.papaparse_ms)} | ${rps(r.rows, r.udsv_ms)} | ${f2(r.vs_papaparse)} | ${f2(r.vs_udsv)} | ${f1(r.longest_task_ms)} | ${f1(r.long_task_total_ms)} |`);
  }
  lines.push('');
}
const native = load('native.json');
if (native.length) {
  lines.push('### The same path natively (`cargo bench -p roster-core --bench parse`, median of runs), and the bare csv crate');
  lines.push('');
  lines.push('"page ÷ native time": Roster in the page against the same Rust code run natively. "page ÷ csv crate speed": Roster in the page against the bare `csv` crate reading the same bytes natively (the issue asks for at least 0.50). Peak bytes are counted by the native allocator (64-bit pointers).');
  lines.push('');
  lines.push('| file | rows | native Roster ms | decode ms | parse ms | map + check ms | native Roster MB/s | csv crate ms | csv crate MB/s | peak MB | page ÷ native time | page ÷ csv crate speed |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const n of native) {
    const page = rows.find((r) => r.rows === n.rows && r.name === `parse ${n.delim}`);
    const ratio = page ? f2(page.roster_ms / n.roster_ms) : 'n/a';
    const vsCsv = page ? (page.roster_mb_s / n.csv_mb_s).toFixed(3) : 'n/a';
    lines.push(`| ${n.delim} | ${n.rows} | ${f1(n.roster_ms)} | ${f1(n.decode_ms)} | ${f1(n.parse_ms)} | ${f1(n.plan_ms)} | ${f1(n.roster_mb_s)} | ${f1(n.csv_ms)} | ${f1(n.csv_mb_s)} | ${f1(n.peak_mb)} | ${ratio} | ${vsCsv} |`);
  }
  lines.push('');
}
const mem = parse.find((r) => r.name.startsWith('memory'));
if (mem) lines.push(`### Memory\n\n${mem.name}: JS heap ${mib(mem.js_heap_bytes)}, wasm memory ${mib(mem.wasm_bytes)}.\n`);
const throughput = imp.filter((r) => r.long_tasks == null).concat(load('unstated.json'));
const importTasks = imp.filter((r) => r.long_tasks != null);
if (throughput.length) {
  lines.push('### Import throughput against the sandbox');
  lines.push('');
  lines.push('| run | rows | seconds | bound (s) | ratio to bound | achieved /min | limit /min | 429s |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of throughput) {
    lines.push(`| ${r.name} | ${r.rows} | ${f1(r.seconds)} | ${f1(r.bound_seconds)} | ${f2(r.ratio_to_bound)} | ${f1(r.per_minute)} | ${r.limit_per_minute ?? ''} | ${r.rate_limited ?? ''} |`);
  }
  lines.push('');
}
if (importTasks.length) {
  lines.push('### Long tasks while importing (from Start until every row has its final status)');
  lines.push('');
  lines.push('| run | rows | wall seconds | long tasks | longest task ms | long-task total ms |');
  lines.push('|---|---:|---:|---:|---:|---:|');
  for (const r of importTasks) {
    lines.push(`| ${r.name} | ${r.rows} | ${f1(r.seconds)} | ${r.long_tasks} | ${f1(r.longest_task_ms)} | ${f1(r.long_task_total_ms)} |`);
  }
  lines.push('');
}
const block = `<!-- bench:begin -->\n${lines.join('\n')}\n<!-- bench:end -->`;
let md = fs.existsSync(mdPath) ? fs.readFileSync(mdPath, 'utf8') : '# Benchmarks\n';
if (md.includes('<!-- bench:begin -->')) {
  md = md.replace(/<!-- bench:begin -->[\s\S]*<!-- bench:end -->/, block);
} else {
  md = md.trimEnd() + '\n\n## Latest full run (written by `make bench`)\n\n' + block + '\n';
}
fs.writeFileSync(mdPath, md);
console.log(lines.join('\n'));
