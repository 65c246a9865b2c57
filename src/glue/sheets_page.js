// The page's side of the spreadsheet reader (issue 25), kept out of the page's first
// load: `src/glue/sheets.rs` imports this module (copied into dist by index.html's
// `rel="copy-file"`) only when a workbook is dropped or chosen. It starts the worker
// (`crates/sheets/src/bin/sheets_worker.rs`, one per reading, ended once it answers),
// posts it the dropped file itself (a Blob: a handle, not its bytes), chooses the sheet
// remembered for the workbook's sheet names, remembers a sheet chosen, and answers in
// shapes the page decodes with what it has: [csv: ArrayBuffer (UTF-8), lines:
// Uint32Array, chosen sheet's name, notes, the sheets as value, label, value, label, …,
// free] (a list is one string, each item ended by U+001F, which no XML holds),
// or rejects with a sentence; csv is null when the page kept the sheet's text and asked
// for the same sheet of the same file again (a setting changed: no worker then).

const DAMAGED =
  'The file is damaged: the spreadsheet reader stopped on it. Open it in your spreadsheet program and save it again as .xlsx or CSV.';

/** Where the sheet chosen for a workbook with these sheets is remembered: its sheets'
 * names only (never a cell). */
export const memoryKey = (names) => 'roster.sheet.v1.' + names.join('\u001f');

/** A sheet's name without the worker's mark of a hidden sheet (a trailing NUL), and the
 * select's label for it. */
export const sheetName = (s) => (s.endsWith('\0') ? s.slice(0, -1) : s);
export const sheetLabel = (s) => (s.endsWith('\0') ? `${s.slice(0, -1)} (hidden)` : s);

/** The remembered sheet, when it is not the one read and the workbook has it. */
export const rememberedOther = (names, chosen, remembered) =>
  remembered != null && names[chosen] !== remembered && names.includes(remembered) ? remembered : null;

function ask(file, sheet) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('sheets_worker_loader.js', import.meta.url));
    const end = (f, v) => {
      worker.terminate();
      // The worker's memory (its wasm, which never shrinks) is released as its thread
      // ends, soon after: the answer waits a moment for it, so that the page's copy of
      // the text does not coincide with it (the renderer's peak, issue 25).
      setTimeout(() => f(v), 100);
    };
    worker.onerror = () => end(reject, DAMAGED);
    worker.onmessage = ({ data }) => {
      // The worker says "ready" once it listens, then answers the one request.
      if (data[0] === 'ready') worker.postMessage([file, sheet]);
      else if (data[0] === 'ok') end(resolve, data);
      else end(reject, String(data[1]));
    };
  });
}

const storage = (f) => {
  try {
    return f(localStorage);
  } catch {
    return null;
  }
};

/** The last answer, bar its text (which the page keeps): for the page that still holds
 * that sheet's text and reads it again with other settings (issue 25). Its line map is
 * 4 bytes a row; never the text. */
let last = null;

/** Reads the sheet named `sheet` of the workbook `file`, else the one remembered for its
 * sheets, else the first visible one with data. `kept`: the page still holds the text of
 * the sheet it read last; when that is this file's sheet `sheet` (a setting changed), the
 * answer is the last one again, without the worker, and with no text (null). */
export async function read(file, sheet, kept) {
  if (kept && last?.[0] === file && last[3] === sheet) return last.slice(1);
  last = null;
  let answer = await ask(file, sheet);
  const names = answer[1].map(sheetName);
  const key = memoryKey(names);
  if (sheet != null) {
    storage((s) => s.setItem(key, sheet));
  } else {
    const other = rememberedOther(names, answer[2], storage((s) => s.getItem(key)));
    if (other != null) answer = await ask(file, other);
  }
  const [, sheets, chosen, csv, notes, lines] = answer;
  // The text as its ArrayBuffer, not the worker's Uint8Array: the page's
  // `new Uint8Array(x)` is a view of a buffer but a copy of a typed array (a second
  // whole text in JS until a garbage collection). The last: what the page calls once it
  // has copied the text, to free its buffer now (`transfer(0)`), not at the next
  // garbage collection, before its own memory grows.
  const free = () => csv.buffer.transfer?.(0);
  const list = (a) => a.map((s) => s + '\u001f').join('');
  const rest = [lines, names[chosen] ?? '', list(notes), list(sheets.flatMap((s) => [sheetName(s), sheetLabel(s)]))];
  last = [file, null, ...rest, () => {}];
  return [csv.buffer, ...rest, free];
}
