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
const fileLabel = (r) => {
  const delim = r.name.replace('parse ', '').replace(' dirty', '');
  return r.name.endsWith(' dirty') ? `${delim}, dirty (0.1 % bad, 200 duplicates)` : `${delim}, clean`;
};
if (rows.length) {
  lines.push('### Parse throughput (median of runs; Roster = the whole read → map → validate path through the page)');
  lines.push('');
  lines.push('"clean": no bad or duplicate rows; "dirty": one row in 1000 with a bad address and 200 addresses appearing twice. PapaParse and uDSV parse the same text from a JS string, in a fresh page of a browser context of their own (so Roster\'s memory does not burden them), in the same run: "arrays" gives each row as an array of strings, "keyed" as an object keyed by the header (PapaParse `header: true`, uDSV `stringObjs`), as Roster keys its rows by column. "÷" columns: Roster\'s speed over the other parser\'s (1.00 = as fast).');
  lines.push('');
  lines.push('| file | rows | MB | Roster ms | PapaParse arrays ms | PapaParse keyed ms | uDSV arrays ms | uDSV keyed ms | Roster MB/s | PapaParse keyed MB/s | Roster rows/s | Roster ÷ PapaParse keyed | Roster ÷ PapaParse arrays | Roster ÷ uDSV arrays | Roster ÷ uDSV keyed | longest task ms | long-task total ms |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    lines.push(`| ${fileLabel(r)} | ${r.rows} | ${r.mb} | ${f1(r.roster_ms)} | ${f1(r.papaparse_ms)} | ${f1(r.papaparse_header_ms)} | ${f1(r.udsv_ms)} | ${f1(r.udsv_objects_ms)} | ${f1(r.roster_mb_s)} | ${f1(r.papaparse_header_mb_s)} | ${rps(r.rows, r.roster_ms)} | ${f2(r.vs_papaparse_header)} | ${f2(r.vs_papaparse)} | ${f2(r.vs_udsv)} | ${f2(r.vs_udsv_objects)} | ${f1(r.longest_task_ms)} | ${f1(r.long_task_total_ms)} |`);
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
if (mem) {
  const ratio = (x) => (x == null || !mem.file_bytes ? '' : ` (${(x / mem.file_bytes).toFixed(2)}× the file)`);
  lines.push(
    `### Memory\n\n${mem.name} (clean comma file, ${mib(mem.file_bytes)}): wasm memory ${mib(mem.wasm_bytes)}${ratio(mem.wasm_bytes)}; ` +
      `JS heap ${mib(mem.js_heap_bytes)} as left, ${mib(mem.js_heap_after_gc_bytes)} after a forced garbage collection; ` +
      `renderer process resident ${mib(mem.renderer_rss_bytes)}${ratio(mem.renderer_rss_bytes)}, its peak ${mib(mem.renderer_peak_rss_bytes)}${ratio(mem.renderer_peak_rss_bytes)} ` +
      `(VmRSS and VmHWM; the peak includes the bench's own generation of the file in the page).\n`,
  );
}
const throughput = imp.filter((r) => r.long_tasks == null).concat(load('unstated.json'));
const importTasks = imp.filter((r) => r.long_tasks != null);
if (throughput.length) {
  lines.push('### Import throughput against the sandbox');
  lines.push('');
  lines.push('"preflights": CORS preflights the sandbox answered during the run; "request ms": median time from a request\'s fetch start to its answer\'s end (Resource Timing); "gap ms": median time between one answer\'s end and the next request\'s start (the page\'s own time per request at one in flight).');
  lines.push('');
  lines.push('| run | rows | seconds | bound (s) | ratio to bound | achieved /min | limit /min | 429s | preflights | request ms | gap ms |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of throughput) {
    lines.push(`| ${r.name} | ${r.rows} | ${f1(r.seconds)} | ${f1(r.bound_seconds)} | ${f2(r.ratio_to_bound)} | ${f1(r.per_minute)} | ${r.limit_per_minute ?? ''} | ${r.rate_limited ?? ''} | ${r.preflights ?? ''} | ${f2(r.request_ms_median)} | ${r.name.endsWith('c=1') ? f2(r.gap_ms_median) : ''} |`);
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
