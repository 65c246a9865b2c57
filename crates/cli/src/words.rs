//! What the command line prints besides the core's own sentences ([`roster_core::job::words`]):
//! the target list, the file summary and the mapping (in the page's words).

use roster_core::input::summary::{self, FileFacts};
use roster_core::input::values::{found_values, Meaning, MAX_WORDS};
use roster_core::run::journal::Head;
use roster_core::targets::TargetKind;

use crate::load::Prepared;
use crate::secrets;

/// `roster targets`: each built-in and preset, its credentials (and where each comes
/// from), its settings and fields.
pub fn targets() -> String {
    let mut out = String::new();
    for kind in TargetKind::shipped() {
        out.push_str(&format!("{}  ({})\n", kind.id(), kind.name()));
        out.push_str(&format!("  Server URL: {}\n", kind.server_placeholder()));
        for c in kind.credentials() {
            if c.secret {
                out.push_str(&format!(
                    "  credential {}: {} (secret: {} or ROSTER_CREDENTIAL_{}, a prompt, or --password-stdin)\n",
                    c.id,
                    c.label,
                    secrets::env_name(&c.id),
                    secrets::general_env_name(&c.id).trim_start_matches("ROSTER_CREDENTIAL_"),
                ));
            } else {
                let how = if c.id == "login" {
                    "--login".to_owned()
                } else {
                    format!("--credential {}=VALUE", c.id)
                };
                let initial = if c.initial.is_empty() {
                    String::new()
                } else {
                    format!(", default {}", c.initial)
                };
                out.push_str(&format!(
                    "  credential {}: {} ({how}{initial})\n",
                    c.id, c.label
                ));
            }
        }
        for s in kind.settings() {
            out.push_str(&format!(
                "  setting {}: {} (--set {}=VALUE)\n",
                s.id, s.label, s.id
            ));
        }
        let fields: Vec<String> = kind.fields().iter().map(|f| f.label().to_owned()).collect();
        out.push_str(&format!("  fields: {}\n", fields.join(", ")));
    }
    out
}

/// The file summary, in the page's words ([`file_summary`]).
pub fn file_summary(p: &Prepared) -> String {
    let l = &p.loaded;
    summary::file_summary(&FileFacts {
        name: &p.name,
        rows: l.rows.len(),
        tally: l.tally,
        encoding: l.encoding,
        layout: l.layout,
        notes: &l.notes,
        sheet: l.sheet_name.as_deref(),
    })
}

/// The mapping, a line per column, then the questions the page asks before Start about
/// columns taken from their values alone.
pub fn mapping(p: &Prepared) -> Vec<String> {
    let sheet = &p.loaded.sheet;
    let own = roster_core::run::retry::steps_column(&sheet.table);
    let mut lines: Vec<String> = p
        .loaded
        .columns
        .iter()
        .enumerate()
        .map(
            |(i, name)| match sheet.mapping.columns.get(i).copied().flatten() {
                Some(f) => format!("  {name} → {}", f.label()),
                // Roster's own column of a rows-to-retry file: no field.
                None if Some(i) == own => {
                    format!("  {name} → (Roster's: these rows are not created, their failed steps are sent again)")
                }
                None => format!("  {name} → (not sent)"),
            },
        )
        .collect();
    for guess in sheet.mapping.guesses(&sheet.table) {
        lines.push(format!("  {}", guess.question(&sheet.table)));
    }
    lines.extend(values(p));
    lines
}

/// The words of each fixed-value column and what each is sent as (`user → 2 Normal
/// user`), the unknown ones with the option that maps them.
pub fn values(p: &Prepared) -> Vec<String> {
    let sheet = &p.loaded.sheet;
    let mut lines = Vec::new();
    for found in found_values(&sheet.table, &sheet.mapping, &sheet.rules.fields) {
        let title = found.spec.title().to_owned();
        lines.push(format!(
            "  Values of {title} ({}):",
            p.loaded.columns[found.column]
        ));
        for w in &found.words {
            let label = |v: &str| {
                found
                    .spec
                    .values
                    .iter()
                    .find(|x| x.value == v)
                    .map_or_else(|| v.to_owned(), |x| x.choice())
            };
            let rows = if w.rows == 1 {
                "1 row".to_owned()
            } else {
                format!("{} rows", w.rows)
            };
            lines.push(match &w.meaning {
                Meaning::Chosen(v) => format!("    {} ({rows}) → {} (--value)", w.word, label(v)),
                Meaning::Obvious(v) => format!("    {} ({rows}) → {}", w.word, label(v)),
                Meaning::Unknown => format!(
                    "    {} ({rows}) → not known: add --value \"{title}:{}=VALUE\"",
                    w.word, w.word
                ),
            });
        }
        if found.more {
            lines.push(format!(
                "    … and more (only the first {MAX_WORDS} are listed)"
            ));
        }
    }
    lines
}

/// The first problems of invalid rows, for the terminal.
pub fn invalid_rows(p: &Prepared, limit: usize) -> Vec<String> {
    p.rows()
        .iter()
        .filter(|r| !r.excluded && !r.is_valid())
        .take(limit)
        .map(|r| format!("  line {}: {}", r.line, r.problems_text()))
        .collect()
}

/// The resume offer, from the saved run's head.
pub fn saved_run(head: &Head) -> String {
    let counts = head.counts();
    format!(
        "An unfinished run of {} to this server is in the journal ({} rows: {}).",
        head.file_name,
        head.rows,
        roster_core::job::words::tally(&counts, 0)
    )
}
