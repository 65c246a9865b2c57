//! The result reports: one line per input row, in input order, never a secret.
//!
//! - [`csv_report`]: the CSV report (one header line, one line per row; every cell
//!   neutralised against formula injection). Its first five columns are [`COLUMNS`]; then
//!   [`DETAIL_COLUMNS`]; then the input's own columns, except the one mapped to the
//!   password.
//! - [`json_report`]: the same rows plus a summary (counts per status, target, server URL,
//!   start and end time). The CSV has no summary so that a spreadsheet opens it as a plain
//!   table.
//! - [`retry_file`]: the input rows that ended `failed`, `unknown`, `rejected` or `skipped`,
//!   exactly as the user gave them (passwords included: it is their own input handed back),
//!   with the input's delimiter and header, to be fixed and dropped straight back in;
//!   and the created accounts whose steps failed, their steps named in a column of
//!   Roster's own (`steps to retry`), which a drop-back sends without a create.
//!
//! The error code is the row's own ([`RowState::code`]): the target's code or the HTTP
//! status of the answer that decided the row.
//!
//! No report holds a secret: the column mapped to the password is left out, and so is
//! every column whose header names a password, a key or a token in any of the languages
//! Roster knows (`old_password`, `Kennwort2`, `mot de passe`): see [`looks_secret`].

use std::borrow::Cow;

use serde_json::{json, Map, Value};

use crate::input::map::Mapping;
use crate::input::plan::PlannedRow;
use crate::input::read::guard::{guard, needs_guard};
use crate::input::read::Table;
use crate::run::retry::{self, has_steps_cell, steps_column};
use crate::run::{RowState, Status, StatusCounts};
use crate::targets::TargetId;

/// The report's first columns, in order (kept first so that older readers still work).
/// `row` is the input line the row starts on: the one numbering the page shows ("line
/// N") and every report uses (one row column: issue 27 dropped the `line` copy).
pub const COLUMNS: [&str; 5] = ["row", "email", "status", "message", "target_id"];

/// The columns after [`COLUMNS`], before the input's own columns.
/// `edited` names the columns the admin changed in the page ([`edited_cell`]).
pub const DETAIL_COLUMNS: [&str; 5] =
    ["error_code", "attempts", "first_sent", "finished", "edited"];

/// The `edited` cell of row `row`: the columns changed in the page, by their header (or
/// "column N"), joined with "; ". Empty when nothing was changed (or without the input).
pub fn edited_cell(input: Option<Input<'_>>, row: usize) -> String {
    let Some(input) = input else {
        return String::new();
    };
    let Some(record) = input.table.records.get(row) else {
        return String::new();
    };
    record
        .edited
        .iter()
        .map(
            |&c| match input.table.header.as_ref().and_then(|h| h.get(c)) {
                Some(n) if !n.trim().is_empty() => n.trim().to_owned(),
                _ => format!("column {}", c + 1),
            },
        )
        .collect::<Vec<_>>()
        .join("; ")
}

/// The column after [`DETAIL_COLUMNS`] when a row has steps after its create (see
/// [`crate::targets::profile::Step`]): each step and how it went ("Join room #a:x.org:
/// done"), in a report of a run without steps not at all.
pub const STEPS_COLUMN: &str = "steps";

/// A row's steps in words, for the CSV report's `steps` cell.
pub fn steps_cell(state: &RowState) -> String {
    state
        .steps
        .iter()
        .map(crate::run::StepState::words)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Makes a cell safe to open in a spreadsheet: a cell that starts with `=`, `+`, `-`, `@`,
/// a tab or a carriage return would be read as a formula, so it gets a leading `'`
/// (OWASP's advice for CSV injection).
pub fn neutralize(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// A download's file name: `roster-{what}-{target}-{stamp}.{ext}`, or with `run{n}-` before
/// the target for a run of the history. The target is its id made safe for a file name
/// ([`TargetId::file_part`]), never its display name.
pub fn file_name(
    what: &str,
    run: Option<u32>,
    target: &TargetId,
    stamp: &str,
    ext: &str,
) -> String {
    let run = run.map(|n| format!("run{n}-")).unwrap_or_default();
    format!("roster-{what}-{run}{}-{stamp}.{ext}", target.file_part())
}

/// What the report says about the run as a whole, and how to turn the run's clock into
/// wall-clock time.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunInfo {
    /// The target's name as shown ("Aurora", "Microsoft Graph (Entra ID)"); file names
    /// come from its id instead ([`file_name`]).
    pub target: String,
    pub server_url: String,
    /// The file's name, as dropped.
    pub file_name: String,
    /// Wall-clock time (Unix milliseconds) at the start of the run ...
    pub started_wall_ms: f64,
    /// ... and the run's own (monotonic) clock at that same moment.
    pub started_run_ms: u64,
    /// Wall-clock time at the end, if the run is over.
    pub ended_wall_ms: Option<f64>,
}

impl RunInfo {
    /// A time on the run's clock as ISO 8601 UTC.
    pub fn iso(&self, run_ms: u64) -> String {
        let offset = run_ms as f64 - self.started_run_ms as f64;
        iso8601(self.started_wall_ms + offset)
    }
}

/// Unix milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn iso8601(unix_ms: f64) -> String {
    let ms = unix_ms.max(0.0).round() as i64;
    let (secs, millis) = (ms.div_euclid(1000), ms.rem_euclid(1000));
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

/// Words that make a column header a secret's, compared on the header lower-cased with
/// everything but letters and digits taken out (so `Old_Password`, `mot de passe` and
/// `Kennwort2` all match).
const SECRET_WORDS: [&str; 18] = [
    "password",
    "passwort",
    "passwd",
    "passord",
    "kennwort",
    "motdepasse",
    "contrase",
    "contrasena",
    "senha",
    "wachtwoord",
    "parola",
    "salasana",
    "haslo",
    "heslo",
    "secret",
    "token",
    "apikey",
    "credential",
];
/// Whole words (between non-letters) that name a secret.
const SECRET_TOKENS: [&str; 6] = ["pw", "pwd", "pass", "pin", "clave", "key"];

/// Whether a column header names a secret: a password in any language, a PIN, a key or a
/// token. Such a column never goes into a report, mapped or not.
pub fn looks_secret(header: &str) -> bool {
    let lower = header.to_lowercase();
    let compact: String = lower.chars().filter(|c| c.is_alphanumeric()).collect();
    if SECRET_WORDS.iter().any(|w| compact.contains(w)) {
        return true;
    }
    lower
        .split(|c: char| !c.is_alphabetic())
        .any(|t| SECRET_TOKENS.contains(&t) || t.starts_with("pass"))
}

/// The input's columns that may appear in a report: every column except those mapped
/// to a secret field (the password, a target's field declared secret) and those whose header names a secret
/// ([`looks_secret`]), as (index, name). A name that clashes with a report column gets
/// the prefix `input_`.
pub fn public_columns(table: &Table, mapping: &Mapping) -> Vec<(usize, String)> {
    public_columns_beside(table, mapping, |name| {
        COLUMNS.contains(&name) || DETAIL_COLUMNS.contains(&name) || name == STEPS_COLUMN
    })
}

/// [`public_columns`] beside other columns than the report's: a name `taken` says is
/// in use gets the prefix `input_`.
pub fn public_columns_beside(
    table: &Table,
    mapping: &Mapping,
    taken: impl Fn(&str) -> bool,
) -> Vec<(usize, String)> {
    (0..table.width)
        .filter(|&i| {
            !mapping.column_is_secret(i)
                && !table
                    .header
                    .as_ref()
                    .and_then(|h| h.get(i))
                    .is_some_and(|name| looks_secret(name))
        })
        .map(|i| {
            let name = match table.header.as_ref().and_then(|h| h.get(i)) {
                Some(n) if !n.trim().is_empty() => n.trim().to_owned(),
                _ => format!("column {}", i + 1),
            };
            (
                i,
                if taken(&name) {
                    format!("input_{name}")
                } else {
                    name
                },
            )
        })
        .collect()
}

/// Row `row`'s cells in `columns` (from [`public_columns`]), empty where the row is short.
pub fn input_cells<'a>(
    table: &'a Table,
    row: usize,
    columns: &'a [(usize, String)],
) -> impl Iterator<Item = String> + 'a {
    let fields = table.records.get(row).map(|r| &r.fields);
    columns.iter().map(move |(c, _)| {
        fields
            .and_then(|f| f.get(*c))
            .unwrap_or_default()
            .to_owned()
    })
}

/// The input file as the report sees it: its table and mapping (for the original
/// columns). Without it, the reports hold the run's columns only.
#[derive(Clone, Copy)]
pub struct Input<'a> {
    pub table: &'a Table,
    pub mapping: &'a Mapping,
}

fn time_cell(info: Option<&RunInfo>, at: Option<u64>) -> String {
    match (info, at) {
        (Some(info), Some(at)) => info.iso(at),
        _ => String::new(),
    }
}

/// Writes the CSV report. `plan` and `rows` are the run's rows, index for index.
pub fn csv_report(plan: &[PlannedRow], rows: &[RowState]) -> String {
    csv_report_with(plan, rows, None, None)
}

/// The CSV report with the original columns (`input`) and timestamps (`info`).
pub fn csv_report_with(
    plan: &[PlannedRow],
    rows: &[RowState],
    input: Option<Input<'_>>,
    info: Option<&RunInfo>,
) -> String {
    assert_eq!(plan.len(), rows.len(), "one state per planned row");
    let columns = input.map_or_else(Vec::new, |i| public_columns(i.table, i.mapping));
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .flexible(true)
        .from_writer(Vec::new());
    let with_steps = rows.iter().any(|r| !r.steps.is_empty());
    let header: Vec<String> = COLUMNS
        .iter()
        .chain(DETAIL_COLUMNS.iter())
        .chain(with_steps.then_some(&STEPS_COLUMN))
        .map(|c| c.to_string())
        .chain(columns.iter().map(|(_, n)| n.clone()))
        .collect();
    writer
        .write_record(header.iter().map(|c| neutralize(c).into_owned()))
        .expect("writing to memory cannot fail");
    for (i, (planned, state)) in plan.iter().zip(rows).enumerate() {
        let mut cells: Vec<String> = vec![
            planned.line.to_string(),
            planned.email.to_string(),
            state.status.word().to_owned(),
            planned.message_with_notes(&state.message),
            state.target_id.clone().unwrap_or_default(),
            state.code.map_or_else(String::new, |c| c.to_string()),
            state.attempts.to_string(),
            time_cell(info, state.first_sent_ms),
            time_cell(info, state.finished_ms),
            edited_cell(input, i),
        ];
        if with_steps {
            cells.push(steps_cell(state));
        }
        if let Some(inp) = input {
            cells.extend(input_cells(inp.table, i, &columns));
        }
        writer
            .write_record(cells.iter().map(|c| neutralize(c).into_owned()))
            .expect("writing to memory cannot fail");
    }
    let bytes = writer.into_inner().expect("writing to memory cannot fail");
    String::from_utf8(bytes).expect("the cells are UTF-8")
}

/// Counts per final status, as a JSON object (`{"created": 3, …}`), every status named.
pub fn counts_json(counts: &StatusCounts) -> Value {
    let mut map = Map::new();
    for s in Status::FINAL {
        map.insert(s.word().into(), json!(counts.get(s)));
    }
    for s in [Status::Pending, Status::Sending] {
        if counts.get(s) > 0 {
            map.insert(s.word().into(), json!(counts.get(s)));
        }
    }
    Value::Object(map)
}

/// The JSON report: `{"summary": {...}, "columns": [...], "rows": [...]}`. No secret:
/// the password column is left out like in the CSV.
pub fn json_report(
    plan: &[PlannedRow],
    rows: &[RowState],
    input: Option<Input<'_>>,
    info: &RunInfo,
) -> String {
    assert_eq!(plan.len(), rows.len(), "one state per planned row");
    let columns = input.map_or_else(Vec::new, |i| public_columns(i.table, i.mapping));
    let counts = StatusCounts::of(rows.iter().map(|r| r.status));
    let ended = rows.iter().filter_map(|r| r.finished_ms).max();
    let summary = json!({
        "target": info.target,
        "server_url": info.server_url,
        "file": info.file_name,
        "rows": rows.len(),
        "counts": counts_json(&counts),
        "started_at": iso8601(info.started_wall_ms),
        "ended_at": info.ended_wall_ms.map(iso8601).or_else(|| ended.map(|e| info.iso(e))),
    });
    let items: Vec<Value> = plan
        .iter()
        .zip(rows)
        .enumerate()
        .map(|(i, (planned, state))| {
            let fields = input
                .and_then(|inp| inp.table.records.get(i))
                .map(|r| &r.fields);
            let mut original = Map::new();
            for (c, name) in &columns {
                let value = fields
                    .and_then(|f| f.get(*c))
                    .unwrap_or_default()
                    .to_owned();
                original.insert(name.clone(), Value::String(value));
            }
            let mut item = json!({
                "row": planned.line,
                "email": planned.email,
                "status": state.status.word(),
                "message": planned.message_with_notes(&state.message),
                "error_code": state.code,
                "target_id": state.target_id,
                "attempts": state.attempts,
                "first_sent": state.first_sent_ms.map(|t| info.iso(t)),
                "finished": state.finished_ms.map(|t| info.iso(t)),
                "edited": edited_cell(input, i),
                "input": Value::Object(original),
            });
            if !state.steps.is_empty() {
                let steps: Vec<Value> = state
                    .steps
                    .iter()
                    .map(|s| {
                        json!({
                            "step": s.label,
                            "value": s.value,
                            "outcome": s.outcome.word(),
                            "message": s.message,
                            "attempts": s.attempts,
                        })
                    })
                    .collect();
                item["steps"] = Value::Array(steps);
            }
            item
        })
        .collect();
    let columns: Vec<&str> = columns.iter().map(|(_, n)| n.as_str()).collect();
    let report = json!({ "summary": summary, "columns": columns, "rows": items });
    serde_json::to_string_pretty(&report).expect("a JSON value serialises")
}

/// Whether a row with this final status belongs in the "rows to retry" file.
pub fn needs_retry(status: Status) -> bool {
    matches!(
        status,
        Status::Failed | Status::Unknown | Status::Rejected | Status::Skipped
    )
}

/// The rows to retry, as a file in the input's own format: its delimiter, its header (if
/// it had one), every original column (passwords included: the user's own input handed
/// back, to be read back exactly as given). Rows the user excluded are left out:
/// excluding them was the user's choice, not a failure.
///
/// A file with a header also holds the created accounts whose steps failed, with the
/// column [`retry::STEPS_COLUMN`] (Roster's own, added last or filled where the file has it)
/// naming their failed steps (`Join group: 12`): dropped back, such a row is never
/// created, its account is looked up and those steps sent
/// ([`crate::run::Run::steps_from_file`]). A headerless file leaves them out (a column
/// there would be taken for the next field), and [`steps_left_out_note`] says so.
///
/// Formula injection: in a file with a header, every cell is guarded
/// ([`crate::input::read::guard::guard`]: a `'` before a formula's lead or a `'`) whenever
/// one needs it, and the column [`retry::STEPS_COLUMN`] is then always written (empty
/// where a row has no steps): it tells Roster's reader that the file is its own, which
/// takes the guard off again, so the cells read back exactly as given. A file without a
/// header has no place for that sign: its cells are written as given (guarded, they
/// would be read back changed: a password `=x` sent as `'=x`).
/// `None` when no row needs a retry.
pub fn retry_file(table: &Table, rows: &[RowState]) -> Option<String> {
    let with_steps = table.header.is_some();
    let picked: Vec<usize> = rows
        .iter()
        .enumerate()
        .filter(|(i, r)| {
            let steps = with_steps && has_steps_cell(r);
            (needs_retry(r.status) || steps) && !r.excluded && *i < table.records.len()
        })
        .map(|(i, _)| i)
        .collect();
    if picked.is_empty() {
        return None;
    }
    // Whether the cells are guarded: in a file with a header, when one needs it.
    let guarded = table.header.as_ref().is_some_and(|header| {
        header.iter().any(|h| needs_guard(h))
            || picked
                .iter()
                .any(|&i| table.records[i].fields.iter().any(needs_guard))
    });
    // Where the steps go: the file's own column (a retry file dropped back), or a new
    // last one when a picked row has steps to retry or the cells are guarded.
    let column = steps_column(table).or_else(|| {
        (with_steps && (guarded || picked.iter().any(|&i| has_steps_cell(&rows[i]))))
            .then_some(table.width.max(table.header.as_ref().map_or(0, Vec::len)))
    });
    // With the column, the file is Roster's own: every cell guarded, as its reader expects.
    let guarded = guarded || column.is_some();
    let cell = |c: &str| -> String {
        if guarded {
            guard(c).into_owned()
        } else {
            c.to_owned()
        }
    };
    let mut writer = csv::WriterBuilder::new()
        .delimiter(table.delimiter)
        .terminator(csv::Terminator::CRLF)
        .flexible(true)
        .from_writer(Vec::new());
    let with_column = |cells: Vec<String>, cell: String| -> Vec<String> {
        let Some(column) = column else {
            return cells;
        };
        let mut cells = cells;
        if cells.len() <= column {
            cells.resize(column + 1, String::new());
        }
        cells[column] = cell;
        cells
    };
    if let Some(header) = &table.header {
        let header = with_column(
            header.iter().map(|h| cell(h)).collect(),
            retry::STEPS_COLUMN.to_owned(),
        );
        writer
            .write_record(&header)
            .expect("writing to memory cannot fail");
    }
    for i in picked {
        let cells: Vec<String> = table.records[i].fields.iter().map(cell).collect();
        writer
            .write_record(with_column(cells, cell(&retry::steps_cell(&rows[i]))))
            .expect("writing to memory cannot fail");
    }
    let bytes = writer.into_inner().expect("writing to memory cannot fail");
    Some(String::from_utf8(bytes).expect("the cells are UTF-8"))
}

/// How many created accounts had a step fail that the rows to retry of a file
/// (`has_header`: whether it has a header) leave out: none with a header, where
/// [`retry_file`] holds their failed steps; all of them without one. Retry on the page
/// (or a resumed CLI run) sends their failed steps, never a create.
pub fn steps_left_out(has_header: bool, rows: &[RowState]) -> usize {
    if has_header {
        return 0;
    }
    rows.iter()
        .filter(|r| !r.excluded && crate::run::retry::steps_to_retry(r))
        .count()
}

/// How many created accounts with failed steps the rows to retry of a file
/// (`has_header`: whether it has a header) hold with their steps ([`retry_file`]).
pub fn steps_in_retry_file(has_header: bool, rows: &[RowState]) -> usize {
    if !has_header {
        return 0;
    }
    rows.iter()
        .filter(|r| !r.excluded && has_steps_cell(r))
        .count()
}

/// What the page (next to "Download rows to retry") and the CLI (with `--retry-file`) say
/// when [`steps_left_out`] is not 0; `remedy` is where the failed steps can be sent
/// again ("use Retry on this page").
pub fn steps_left_out_note(has_header: bool, rows: &[RowState], remedy: &str) -> Option<String> {
    let n = steps_left_out(has_header, rows);
    (n > 0).then(|| {
        let accounts = if n == 1 { "account" } else { "accounts" };
        format!("{n} {accounts} with failed steps: {remedy} (the rows to retry of a file without a header leave them out: dropped back in, they would be sent again as new accounts; with a header, the column \"{}\" holds their failed steps).", retry::STEPS_COLUMN)
    })
}

/// The page's `remedy` for [`steps_left_out_note`].
pub const RETRY_ON_PAGE: &str = "use Retry on this page";
/// The CLI's `remedy` for [`steps_left_out_note`].
pub const STEPS_IN_REPORT: &str = "their failed steps are in the report's steps column";

/// One finished run of this tab, kept for the run history (issue 13): what its reports
/// need (the plan it ran over, every row's end, the input as it was) and where it ran.
/// A later retry is planned from it ([`crate::run::retry::RetryPlan`]).
#[derive(Debug, Clone)]
pub struct PastRun {
    /// 1 for the tab's first run, and so on.
    pub number: u32,
    pub info: RunInfo,
    /// The target kind's id, to tell runs against another target apart.
    pub target_id: TargetId,
    pub plan: std::sync::Arc<Vec<PlannedRow>>,
    pub rows: Vec<RowState>,
    /// The file's table and mapping at the end of the run, for the reports' own columns.
    pub input: Option<(Table, Mapping)>,
    /// How it ended (a run whose login failed is not kept).
    pub ending: crate::run::Ending,
    /// The run was a retry of the one before.
    pub retry: bool,
}

impl PastRun {
    pub fn counts(&self) -> StatusCounts {
        StatusCounts::of(self.rows.iter().map(|r| r.status))
    }

    /// Whether the run went to this target at this URL (compared as the journal does).
    pub fn same_server(&self, target_id: &TargetId, server_url: &str) -> bool {
        self.target_id == *target_id
            && crate::run::journal::normalize_url(&self.info.server_url)
                == crate::run::journal::normalize_url(server_url)
    }

    pub fn input(&self) -> Option<Input<'_>> {
        self.input
            .as_ref()
            .filter(|(t, _)| t.records.len() == self.rows.len())
            .map(|(table, mapping)| Input { table, mapping })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::field::Field;
    use crate::input::plan::plan;
    use crate::input::read::{read, Fields};

    fn state(status: Status, message: &str, target_id: Option<&str>) -> RowState {
        RowState {
            status,
            message: message.into(),
            code: None,
            excluded: false,
            target_id: target_id.map(str::to_owned),
            attempts: 1,
            answer_lost: false,
            first_sent_ms: None,
            finished_ms: None,
            steps: Vec::new(),
        }
    }

    #[test]
    fn neutralizes_every_formula_lead() {
        for lead in ["=", "+", "-", "@", "\t", "\r"] {
            let cell = format!("{lead}SUM(A1)");
            assert_eq!(neutralize(&cell), format!("'{cell}"), "lead {lead:?}");
        }
        assert_eq!(neutralize("a@b"), "a@b");
        assert_eq!(neutralize(""), "");
        assert_eq!(neutralize("'quoted"), "'quoted");
    }

    #[test]
    fn one_line_per_row_in_order_without_passwords() {
        let table = read(
            b"a@localhost | p123secret\n=HYPERLINK(\"x\")@h | p2secret\n-x@h | p3secret\nbroken | p4secret\n",
        )
        .unwrap();
        let planned = plan(
            &table,
            &Mapping::auto(&table),
            &[Field::Email, Field::Password],
        );
        let rows = [
            state(Status::Created, "", Some("7")),
            RowState {
                code: Some(103),
                ..state(
                    Status::Rejected,
                    "Aurora error 103 InvalidInputParameter",
                    None,
                )
            },
            state(Status::Exists, "@mention", None),
            state(Status::Invalid, &planned[3].problems_text(), None),
        ];
        let csv = csv_report(&planned, &rows);
        assert!(!csv.contains("secret"), "{csv}");
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "row,email,status,message,target_id,error_code,attempts,first_sent,finished,edited"
        );
        assert_eq!(lines[1], "1,a@localhost,created,,7,,1,,,");
        assert_eq!(
            lines[2],
            "2,\"'=HYPERLINK(\"\"x\"\")@h\",rejected,Aurora error 103 InvalidInputParameter,,103,1,,,"
        );
        assert_eq!(lines[3], "3,'-x@h,exists,'@mention,,,1,,,");
        assert!(lines[4].starts_with("4,broken,invalid,"), "{}", lines[4]);
        assert_eq!(lines[5], "");
        assert_eq!(lines.len(), 6);
    }

    fn input_file() -> (Table, Mapping, Vec<PlannedRow>) {
        let table = read(
            b"name;email;password;note\nAnn;ann@h;pw-ann;=cmd|' /C calc'!A0\nBob;bob@h;pw-bob;+1\nCyd;cyd@h;pw-cyd;@x\nDee;dee@h;-pw-dee;\tt\nEve;eve@h;pw;semi;colon\n",
        )
        .unwrap();
        let mapping = Mapping::auto(&table);
        assert_eq!(mapping.column_of(Field::Password), Some(2));
        let planned = plan(&table, &mapping, &[Field::Email, Field::Password]);
        (table, mapping, planned)
    }

    /// File names come from the target's id, never its display name lower-cased
    /// ("roster-report-microsoft graph (entra id)-….csv" before).
    #[test]
    fn file_names_come_from_the_targets_id() {
        use crate::targets::profile::{presets, Profile, ProfileTarget};
        use crate::targets::send::Target;
        use std::sync::Arc;
        let stamp = "20261207-093000";
        let graph = presets().into_iter().find(|p| p.id == "graph").unwrap();
        assert_eq!(graph.name, "Microsoft Graph (Entra ID)");
        let target = ProfileTarget::new(
            Arc::new(graph),
            "https://graph.example",
            &Default::default(),
        );
        assert_eq!(
            file_name("report", None, &target.id(), stamp, "csv"),
            "roster-report-graph-20261207-093000.csv"
        );
        let aurora = crate::targets::Kind::build(
            &crate::targets::aurora::AuroraKind,
            "https://mail.example.com",
            &Default::default(),
        )
        .unwrap();
        assert_eq!(
            file_name("rows-to-retry", None, &aurora.id(), stamp, "txt"),
            "roster-rows-to-retry-aurora-20261207-093000.txt"
        );
        // A profile of the user's own: spaces, slashes, accents and quotes in its id and name.
        let mut own = presets().into_iter().find(|p| p.id == "keycloak").unwrap();
        own.id = "Équipe RH / Paris \\ \"v2\"".into();
        own.name = "Équipe RH / Paris".into();
        let text = serde_json::to_string(&own).unwrap();
        let own: Profile = Profile::from_json(&text).unwrap();
        let target = ProfileTarget::new(Arc::new(own), "https://sso.example", &Default::default());
        let name = file_name("report", Some(3), &target.id(), stamp, "json");
        assert_eq!(
            name,
            "roster-report-run3-équipe-rh-paris-v2-20261207-093000.json"
        );
        assert!(!name.contains([' ', '/', '\\', '"', ':', '*', '?', '<', '>', '|']));
    }

    fn info() -> RunInfo {
        RunInfo {
            target: "Aurora".into(),
            server_url: "https://mail.example.com/".into(),
            file_name: "users.csv".into(),
            // 2026-11-23T18:00:00.000Z
            started_wall_ms: 1_795_456_800_000.0,
            started_run_ms: 5_000,
            ended_wall_ms: Some(1_795_456_860_000.0),
        }
    }

    fn timed(status: Status, message: &str, id: Option<&str>, sent: u64, done: u64) -> RowState {
        RowState {
            first_sent_ms: Some(sent),
            finished_ms: Some(done),
            steps: Vec::new(),
            attempts: 2,
            ..state(status, message, id)
        }
    }

    fn run_rows() -> Vec<RowState> {
        vec![
            timed(Status::Created, "", Some("41"), 5_100, 5_350),
            RowState {
                code: Some(103),
                ..timed(
                    Status::Rejected,
                    "Aurora error 103 InvalidInputParameter",
                    None,
                    5_200,
                    5_400,
                )
            },
            timed(Status::Unknown, "No answer (x)", None, 5_300, 6_000),
            RowState {
                code: Some(500),
                steps: Vec::new(),
                ..timed(
                    Status::Failed,
                    "HTTP 500 from the server (a server error)",
                    None,
                    5_400,
                    7_000,
                )
            },
            state(Status::Invalid, "line 6 has 5 fields", None),
        ]
    }

    #[test]
    fn iso_times() {
        assert_eq!(iso8601(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(951_782_400_123.0), "2000-02-29T00:00:00.123Z");
        assert_eq!(iso8601(1_795_456_800_000.0), "2026-11-23T18:00:00.000Z");
        assert_eq!(info().iso(6_500), "2026-11-23T18:00:01.500Z");
    }

    #[test]
    fn the_code_is_the_rows_own_and_never_read_from_its_message() {
        let (table, mapping, planned) = input_file();
        let mut rows = run_rows();
        // A skipped row quoting the stopping answer's words carries no code of its own.
        rows[4] = state(
            Status::Skipped,
            "Not sent: Stopped: Aurora error 115 LicenseLimit. (HTTP 401)",
            None,
        );
        let input = Input {
            table: &table,
            mapping: &mapping,
        };
        let csv = csv_report_with(&planned, &rows, Some(input), Some(&info()));
        let line = csv.split("\r\n").nth(5).unwrap();
        // `row` is the input line: the file has a header, so row 5 is line 6.
        assert!(line.starts_with("6,eve@h,skipped,"), "{line}");
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(line.as_bytes());
        let cells = reader.records().next().unwrap().unwrap();
        assert_eq!(&cells[5], "", "{line}");
    }

    #[test]
    fn secret_headers_in_any_language() {
        for name in [
            "password",
            "Old_Password",
            "Kennwort2",
            "Passwort",
            "mot de passe",
            "Mot_de_passe",
            "contraseña",
            "Contrasena",
            "senha",
            "wachtwoord",
            "parola",
            "pwd",
            "PW",
            "pass",
            "Passcode",
            "PIN",
            "api_key",
            "API Key",
            "token",
            "secret",
            "lösenord_pass",
        ] {
            assert!(looks_secret(name), "{name}");
        }
        for name in [
            "email",
            "name",
            "Login",
            "Username",
            "package_id",
            "Company",
            "keyboard",
            "Spin",
            "note",
        ] {
            assert!(!looks_secret(name), "{name}");
        }
    }

    #[test]
    fn password_like_columns_stay_out_of_every_report() {
        let table =
            read(b"email,password,old_password,Kennwort2,note\na@h,pw-new,pw-old,pw-kenn,hello\n")
                .unwrap();
        let mapping = Mapping::auto(&table);
        let planned = plan(&table, &mapping, &[Field::Email, Field::Password]);
        let rows = vec![state(Status::Created, "", Some("1"))];
        let input = Input {
            table: &table,
            mapping: &mapping,
        };
        let csv = csv_report_with(&planned, &rows, Some(input), Some(&info()));
        let json = json_report(&planned, &rows, Some(input), &info());
        for text in [&csv, &json] {
            for secret in ["pw-new", "pw-old", "pw-kenn", "old_password", "Kennwort2"] {
                assert!(!text.contains(secret), "{secret} in {text}");
            }
            assert!(text.contains("hello"), "{text}");
        }
    }

    #[test]
    fn excluded_rows_are_not_rows_to_retry() {
        let (table, _, _) = input_file();
        let mut rows = run_rows();
        rows[4] = RowState {
            excluded: true,
            ..state(Status::Skipped, "Excluded by the user.", None)
        };
        rows[1].status = Status::Skipped;
        let text = retry_file(&table, &rows).unwrap();
        assert!(text.contains("Bob;bob@h"), "{text}");
        assert!(!text.contains("eve@h"), "{text}");
    }

    #[test]
    fn full_csv_has_original_columns_but_never_the_password() {
        let (table, mapping, planned) = input_file();
        let rows = run_rows();
        let input = Input {
            table: &table,
            mapping: &mapping,
        };
        let csv = csv_report_with(&planned, &rows, Some(input), Some(&info()));
        for secret in ["pw-ann", "pw-bob", "pw-cyd", "pw-dee", "password"] {
            assert!(!csv.contains(secret), "{secret} in {csv}");
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(csv.as_bytes());
        let records: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect();
        assert_eq!(
            records[0],
            [
                "row",
                "email",
                "status",
                "message",
                "target_id",
                "error_code",
                "attempts",
                "first_sent",
                "finished",
                "edited",
                "name",
                "input_email",
                "note"
            ]
        );
        assert_eq!(records.len(), 1 + planned.len(), "one line per row");
        assert_eq!(
            records[1],
            [
                "2",
                "ann@h",
                "created",
                "",
                "41",
                "",
                "2",
                "2026-11-23T18:00:00.100Z",
                "2026-11-23T18:00:00.350Z",
                "",
                "Ann",
                "ann@h",
                "'=cmd|' /C calc'!A0"
            ]
        );
        assert_eq!(records[2][5], "103");
        assert_eq!(records[2][12], "'+1");
        assert_eq!(records[3][12], "'@x");
        assert_eq!(records[4][5], "500");
        assert_eq!(records[4][12], "t", "read trims the tab");
        assert_eq!(records[5][2], "invalid");
        assert_eq!(records[5][7], "", "never sent");
        for record in &records {
            for cell in record {
                assert!(
                    !matches!(
                        cell.chars().next(),
                        Some('=' | '+' | '-' | '@' | '\t' | '\r')
                    ),
                    "{cell:?} is not neutralised"
                );
            }
        }
    }

    #[test]
    fn neutralizes_each_lead_in_a_written_report() {
        for lead in ['=', '+', '-', '@', '\t', '\r'] {
            let email = format!("{lead}x@h");
            let table = read(format!("email,password\n\"{email}\",p\n").as_bytes()).unwrap();
            let mapping = Mapping::auto(&table);
            let planned = plan(&table, &mapping, &[Field::Email, Field::Password]);
            let rows = [state(Status::Invalid, &format!("{lead}msg"), None)];
            let input = Input {
                table: &table,
                mapping: &mapping,
            };
            let csv = csv_report_with(&planned, &rows, Some(input), None);
            let mut reader = csv::ReaderBuilder::new().from_reader(csv.as_bytes());
            let record = reader.records().next().unwrap().unwrap();
            // Leading whitespace is trimmed by `read`, so tab and CR survive only in
            // messages; each cell that held the lead starts with a quote now.
            for cell in record.iter() {
                assert!(!cell.starts_with(lead), "lead {lead:?} in {cell:?}");
            }
            assert_eq!(&record[3], format!("'{lead}msg"), "lead {lead:?}");
        }
    }

    #[test]
    fn json_report_shape() {
        let (table, mapping, planned) = input_file();
        let rows = run_rows();
        let input = Input {
            table: &table,
            mapping: &mapping,
        };
        let text = json_report(&planned, &rows, Some(input), &info());
        for secret in ["pw-ann", "pw-bob", "pw-cyd", "pw-dee", "\"password\""] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        let v: Value = serde_json::from_str(&text).unwrap();
        let summary = &v["summary"];
        assert_eq!(summary["target"], "Aurora");
        assert_eq!(summary["server_url"], "https://mail.example.com/");
        assert_eq!(summary["file"], "users.csv");
        assert_eq!(summary["rows"], 5);
        assert_eq!(summary["started_at"], "2026-11-23T18:00:00.000Z");
        assert_eq!(summary["ended_at"], "2026-11-23T18:01:00.000Z");
        assert_eq!(summary["counts"]["created"], 1);
        assert_eq!(summary["counts"]["rejected"], 1);
        assert_eq!(summary["counts"]["unknown"], 1);
        assert_eq!(summary["counts"]["failed"], 1);
        assert_eq!(summary["counts"]["invalid"], 1);
        assert_eq!(summary["counts"]["exists"], 0);
        assert_eq!(v["columns"], json!(["name", "input_email", "note"]));
        let items = v["rows"].as_array().unwrap();
        assert_eq!(items.len(), 5);
        assert_eq!(
            items[0],
            json!({
                "row": 2, "email": "ann@h", "status": "created", "message": "",
                "error_code": null, "target_id": "41", "attempts": 2,
                "first_sent": "2026-11-23T18:00:00.100Z", "finished": "2026-11-23T18:00:00.350Z",
                "edited": "",
                "input": {"name": "Ann", "input_email": "ann@h", "note": "=cmd|' /C calc'!A0"}
            })
        );
        assert_eq!(items[1]["error_code"], 103);
        let order: Vec<u64> = items.iter().map(|r| r["row"].as_u64().unwrap()).collect();
        // The input lines (below a header line).
        assert_eq!(order, [2, 3, 4, 5, 6]);
    }

    /// Edits made in the page leave a trace: the `edited` column names the changed
    /// columns by their header, in the CSV and the JSON (issue 27).
    #[test]
    fn the_edited_column_names_the_columns_changed_in_the_page() {
        let (mut table, mapping, planned) = input_file();
        table.records[1].edited = vec![3, 0].into();
        let rows = run_rows();
        let input = Input {
            table: &table,
            mapping: &mapping,
        };
        let csv = csv_report_with(&planned, &rows, Some(input), Some(&info()));
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(csv.as_bytes());
        let headers = reader.headers().unwrap().clone();
        let at = headers.iter().position(|h| h == "edited").unwrap();
        assert_eq!(
            headers
                .iter()
                .filter(|h| *h == "row" || *h == "line")
                .count(),
            1
        );
        let cells: Vec<String> = reader
            .records()
            .map(|r| r.unwrap()[at].to_owned())
            .collect();
        assert_eq!(cells, ["", "note; name", "", "", ""]);
        let json: Value =
            serde_json::from_str(&json_report(&planned, &rows, Some(input), &info())).unwrap();
        assert_eq!(json["rows"][1]["edited"], "note; name");
        assert_eq!(json["rows"][0]["edited"], "");
        assert!(json["rows"][0].get("line").is_none());
        // Without the input (a report of the run's columns only), nothing to name.
        assert_eq!(edited_cell(None, 1), "");
    }

    #[test]
    fn retry_file_round_trips_through_read() {
        let (table, _, _) = input_file();
        let rows = run_rows();
        let text = retry_file(&table, &rows).unwrap();
        // Rows 2 (rejected), 3 (unknown), 4 (failed): passwords included, every cell a
        // spreadsheet would take for a formula guarded (`+1`, `@x`, `-pw-dee`), and
        // Roster's own column written to say the file is Roster's own.
        assert!(text.contains("pw-bob") && text.contains("pw-cyd"));
        assert!(!text.contains("pw-ann"), "created rows are not retried");
        assert!(!text.contains("Eve"), "invalid rows are not in it");
        assert!(
            text.starts_with("name;email;password;note;steps to retry\r\n"),
            "{text}"
        );
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[1], "Bob;bob@h;pw-bob;'+1;");
        assert_eq!(lines[2], "Cyd;cyd@h;pw-cyd;'@x;");
        assert_eq!(lines[3], "Dee;dee@h;'-pw-dee;t;");
        // Read back, the guard is taken off: every cell as given.
        let again = read(text.as_bytes()).unwrap();
        assert_eq!(again.delimiter, b';');
        let header = again.header.as_ref().unwrap();
        assert_eq!(Some(&header[..4]), table.header.as_deref());
        let fields: Vec<Vec<&str>> = again
            .records
            .iter()
            .map(|r| r.fields.iter().take(4).collect())
            .collect();
        let expected: Vec<Vec<&str>> = [1, 2, 3]
            .iter()
            .map(|&i| table.records[i].fields.iter().collect())
            .collect();
        assert_eq!(fields, expected);
        assert!(again.records.iter().all(|r| r.fields[4].is_empty()));
        assert!(retry_file(&table, &[state(Status::Created, "", None)]).is_none());
    }

    #[test]
    fn retry_file_keeps_a_headerless_pipe_file() {
        let table =
            read(b"a@localhost | p1\nb@localhost | p|2\nc@localhost | \"p 3\"\nd@localhost | p4\n")
                .unwrap();
        assert_eq!(table.delimiter, b'|');
        let rows = [
            state(Status::Skipped, "Not sent", None),
            state(Status::Created, "", Some("1")),
            state(Status::Unknown, "", None),
            state(Status::Failed, "", None),
        ];
        let text = retry_file(&table, &rows).unwrap();
        let again = read(text.as_bytes()).unwrap();
        assert_eq!(again.delimiter, b'|');
        assert_eq!(again.header, None);
        let fields: Vec<&Fields> = again.records.iter().map(|r| &r.fields).collect();
        let expected: Vec<&Fields> = [0, 2, 3]
            .iter()
            .map(|&i| &table.records[i].fields)
            .collect();
        assert_eq!(fields, expected);
    }
}
