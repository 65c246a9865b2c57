import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface ImportLine {
  email: string;
  password: string;
}

/** Writes `content` to a fresh temporary directory as `name` and returns the full path. */
export function writeFixture(name: string, content: string | Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-e2e-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

/**
 * Formats lines in the seed's cr.txt format: `email | password` per line.
 * `eol` defaults to CRLF (a Windows-made file); `trailingBlank` appends one empty line.
 */
export function crTxt(lines: ImportLine[], opts: { eol?: string; trailingBlank?: boolean } = {}): string {
  const eol = opts.eol ?? '\r\n';
  let s = lines.map((l) => `${l.email} | ${l.password}`).join(eol) + eol;
  if (opts.trailingBlank) s += eol;
  return s;
}

/** The four accounts of the seed document's cr.txt sample. */
export const SEED_LINES: ImportLine[] = [
  { email: 'a@localhost', password: 'p123' },
  { email: 'a2@localhost', password: 'p232' },
  { email: 'a3@localhost', password: 'p333' },
  { email: 'a4@localhost', password: 'p444' },
];
