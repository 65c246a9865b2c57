// Docs that drift are defects (issue 26). Checks README.md, BENCHMARKS.md and docs/*.md:
//  1. Every command in a shell code block (```sh, ```bash, ```shell; in ```console the
//     lines after `$ `) is in the reviewed list scripts/docs-commands.json, which says
//     what runs it: `by` a test or script file (that file must exist and contain
//     `contains`), and/or `help` (this check runs the command's program and subcommand
//     with --help and finds every --option the command uses), or `builtin` (a shell
//     builtin, with the reason). A command not in the list fails, and so does an entry
//     whose command no document holds any more.
//  2. Every fenced block names its language (so a command cannot hide in a bare block;
//     a web-server snippet is ```nginx, ```apache, …, output is ```text).
//  3. Every relative link and image points to a file or folder that exists, and a link
//     to a heading (#…) to a heading that exists.
// Usage: node scripts/docs-check.mjs [FILE.md ...]   (no files: the project's documents)
//        node scripts/docs-check.mjs --self-test      (the check fails on made-up commands,
//        options and links, and passes a listed one: make test runs both)
// DOCS_CHECK_LIST names another list than scripts/docs-commands.json (the self-test's).
// ROSTER_BIN names the `roster` binary (default target/debug/roster, else target/release/roster).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const SHELL = new Set(['sh', 'bash', 'shell', 'console']);
const args = process.argv.slice(2);
if (args[0] === '--self-test') selfTest();
const docs = args.length
  ? args.map((f) => path.resolve(f))
  : [
      'README.md',
      'BENCHMARKS.md',
      'crates/core/profiles/README.md',
      ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
    ].map((f) => path.join(ROOT, f));
const list = JSON.parse(fs.readFileSync(process.env.DOCS_CHECK_LIST || path.join(ROOT, 'scripts', 'docs-commands.json'), 'utf8'));
const errors = [];
const rel = (f) => path.relative(ROOT, f);

/** A command line without its trailing comment (a `#` outside quotes, after a space). */
function stripComment(line) {
  let quote = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i);
  }
  return line;
}
const norm = (s) => s.replace(/\s+/g, ' ').trim();

/** The commands of one document: [{ command, where }]. */
function commandsOf(file, text) {
  const found = [];
  const lines = text.split('\n');
  let fence = null; // { lang, marker, start }
  let pending = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(line);
    if (!fence && open) {
      fence = { lang: open[3].toLowerCase(), marker: open[2], start: i + 1 };
      if (!fence.lang) errors.push(`${rel(file)}:${i + 1}: a code block without a language (use sh for commands, text for output, nginx/apache/json/… for the rest)`);
      continue;
    }
    if (fence && line.trim().startsWith(fence.marker) && line.trim().replace(/[`~]/g, '') === '') {
      fence = null;
      pending = '';
      continue;
    }
    if (!fence || !SHELL.has(fence.lang)) continue;
    let body = line.trim();
    if (fence.lang === 'console') {
      if (pending) body = body.replace(/^>\s?/, '');
      else if (body.startsWith('$ ')) body = body.slice(2);
      else continue; // the program's output
    }
    body = stripComment(body).trimEnd();
    if (body.endsWith('\\')) {
      pending += body.slice(0, -1) + ' ';
      continue;
    }
    const command = norm(pending + body);
    pending = '';
    if (command) found.push({ command, where: `${rel(file)}:${i + 1}` });
  }
  if (fence) errors.push(`${rel(file)}:${fence.start}: a code block that never closes`);
  return found;
}

/** Relative links and images that point nowhere. */
function checkLinks(file, text) {
  const noCode = text.replace(/^(`{3,}|~{3,})[\s\S]*?^\1/gm, '').replace(/`[^`\n]*`/g, '');
  for (const m of noCode.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = m[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue; // in-page links: below
    const [where, fragment] = target.split('#');
    const file2 = where ? path.resolve(path.dirname(file), decodeURIComponent(where)) : file;
    if (!fs.existsSync(file2)) errors.push(`${rel(file)}: the link ${target} points to ${rel(file2)}, which does not exist`);
    else if (fragment && file2.endsWith('.md') && !anchors(file2).has(fragment)) {
      errors.push(`${rel(file)}: the link ${target}: ${rel(file2)} has no heading #${fragment}`);
    }
  }
  for (const m of noCode.matchAll(/\]\(#([^)\s]+)\)/g)) {
    if (!anchors(file).has(m[1])) errors.push(`${rel(file)}: the link #${m[1]}: no such heading here`);
  }
}

/** The anchors GitHub makes of a document's headings. */
function anchors(file) {
  const seen = new Map();
  const out = new Set();
  const text = fs.readFileSync(file, 'utf8').replace(/^(`{3,}|~{3,})[\s\S]*?^\1/gm, '');
  for (const m of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1].toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

function rosterBin() {
  if (process.env.ROSTER_BIN) return process.env.ROSTER_BIN;
  for (const p of ['target/debug/roster', 'target/release/roster']) if (fs.existsSync(path.join(ROOT, p))) return path.join(ROOT, p);
  errors.push('docs-check: no roster binary (build it: cargo build -p roster-cli, or set ROSTER_BIN)');
  return null;
}

/** Runs the command's program with --help and finds each of its --options there. */
function checkHelp(command, where) {
  const words = command.split(' ').filter((w) => !/^[A-Z_][A-Z0-9_]*=/.test(w));
  const lead = [];
  for (const w of words) {
    if (w.startsWith('-') || /[<>|;&]/.test(w)) break;
    lead.push(w);
  }
  let [program, ...rest] = lead;
  if (program === 'roster') program = rosterBin();
  if (!program) return;
  const run = spawnSync(program, [...rest, '--help'], { cwd: ROOT, encoding: 'utf8', timeout: 20000 });
  const help = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  if (run.status !== 0) {
    errors.push(`${where}: \`${[lead[0], ...rest].join(' ')} --help\` failed (${run.error?.message ?? `exit ${run.status}`}): ${help.split('\n')[0]}`);
    return;
  }
  for (const w of words) {
    const opt = /^(--[a-z0-9][a-z0-9-]*)/.exec(w)?.[1];
    if (opt && !new RegExp(`(^|[\\s,\\[])${opt}([\\s=,\\]<]|$)`, 'm').test(help)) {
      errors.push(`${where}: \`${[lead[0], ...rest].join(' ')}\` has no option ${opt} (by its --help)`);
    }
  }
}

const entries = new Map(list.commands.map((e) => [norm(e.command), e]));
const seen = new Set();
for (const file of docs) {
  if (!fs.existsSync(file)) {
    errors.push(`${rel(file)}: no such document`);
    continue;
  }
  const text = fs.readFileSync(file, 'utf8');
  checkLinks(file, text);
  for (const { command, where } of commandsOf(file, text)) {
    const entry = entries.get(command);
    if (!entry) {
      errors.push(`${where}: \`${command}\` is run by no test: add it to scripts/docs-commands.json with the test or script that runs it (or change the document)`);
      continue;
    }
    seen.add(norm(entry.command));
    if (!entry.by && !entry.help && !entry.builtin) errors.push(`${where}: the entry for \`${command}\` names no test, help check or builtin`);
    if (entry.by) {
      const by = path.join(ROOT, entry.by);
      if (!fs.existsSync(by)) errors.push(`${where}: \`${command}\`: ${entry.by} (said to run it) does not exist`);
      else if (!fs.readFileSync(by, 'utf8').includes(entry.contains ?? '')) errors.push(`${where}: \`${command}\`: ${entry.by} no longer contains ${JSON.stringify(entry.contains)}`);
      else if (entry.contains == null) errors.push(`${where}: \`${command}\`: the entry names ${entry.by} but not what it contains`);
    }
    if (entry.help) checkHelp(command, where);
  }
}
if (!args.length) {
  for (const e of list.commands) if (!seen.has(norm(e.command))) errors.push(`scripts/docs-commands.json: \`${e.command}\` is in no document any more: remove its entry`);
}
if (errors.length) {
  for (const e of errors) console.error(`docs-check: ${e}`);
  process.exit(1);
}
console.log(`docs-check: ${seen.size} commands and the links of ${docs.length} documents are fine.`);

/** Runs the check on made-up documents: each bad one must fail, the good one pass. */
function selfTest() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docs-check-'));
  const listFile = path.join(dir, 'list.json');
  fs.writeFileSync(listFile, JSON.stringify({ commands: [
    { command: 'roster targets', help: true },
    { command: 'roster frobnicate people.csv', help: true },
    { command: 'roster import people.csv --target aurora --made-up-option 1', help: true },
    { command: 'roster check people.csv', by: 'scripts/test.sh', contains: 'a line scripts/test.sh does not hold' },
  ] }));
  // Each failing case names what its error must say, so that a failure for another
  // reason (no roster binary, say) does not pass for the one the case is about.
  const cases = [
    ['a listed command whose options exist', '```sh\nroster targets\n```\n', true],
    ['a made-up command in no list', '```sh\nroster-deploy --everywhere\n```\n', false, 'is run by no test'],
    ['a made-up command in a console block', '```console\n$ make deploy\ndeployed\n```\n', false, '`make deploy` is run by no test'],
    ['a made-up subcommand', '```sh\nroster frobnicate people.csv\n```\n', false, '`roster frobnicate people.csv --help` failed'],
    ['a made-up option', '```sh\nroster import people.csv --target aurora \\\n  --made-up-option 1\n```\n', false, 'has no option --made-up-option'],
    ['a test file that no longer runs it', '```bash\nroster check people.csv\n```\n', false, 'no longer contains'],
    ['a code block without a language', '```\nroster targets\n```\n', false, 'a code block without a language'],
    ['a link to nothing', 'See [the guide](docs/no-such-guide.md).\n', false, 'which does not exist'],
    ['a link to no heading', '# Title\n\nSee [below](#no-such-part).\n', false, 'no such heading here'],
  ];
  let bad = 0;
  for (const [name, text, ok, says] of cases) {
    const doc = path.join(dir, 'doc.md');
    fs.writeFileSync(doc, text);
    const run = spawnSync(process.execPath, [new URL(import.meta.url).pathname, doc], {
      encoding: 'utf8',
      env: { ...process.env, DOCS_CHECK_LIST: listFile },
    });
    const passed = run.status === 0;
    if (passed !== ok || (says && !run.stderr.includes(says))) {
      bad++;
      console.error(`docs-check self-test: ${name}: expected ${ok ? 'a pass' : 'a failure'}, got ${passed ? 'a pass' : 'a failure'}${says ? ` saying "${says}"` : ''}\n${run.stdout}${run.stderr}`);
    } else console.log(`docs-check self-test: ${name}: ${ok ? 'passes' : `fails (${(run.stderr.split('\n')[0] || '').replace(/^docs-check: /, '')})`}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(bad ? 1 : 0);
}
