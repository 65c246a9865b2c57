//! From the command line's choices to a checked plan: the target (built-in, preset or
//! profile file), its settings, and the file read, mapped and validated by the core's
//! reading machine, as the page reads a dropped file.

use std::path::Path;

use roster_core::input::decode::TextEncoding;
use roster_core::input::detect::DELIMITERS;
use roster_core::input::map::Field;
use roster_core::input::plan::{PlannedRow, Tally};
use roster_core::input::read::ReadOptions;
use roster_core::input::reading::{read_all, Loaded};
use roster_core::input::values::parse_choice;
use roster_core::targets::profile::Profile;
use roster_core::targets::{Settings, TargetKind};

use crate::cli::{Job, TargetChoice};
use crate::Fail;

/// The target the command line names.
pub fn kind(choice: &TargetChoice) -> Result<TargetKind, Fail> {
    if let Some(path) = &choice.profile {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Fail::usage(format!("Cannot read the profile {}: {e}", path.display())))?;
        let profile = Profile::from_json(&text)
            .map_err(|e| Fail::usage(format!("The profile {} is refused: {e}", path.display())))?;
        return Ok(TargetKind::from_profile(profile));
    }
    let id = choice.target.as_deref().unwrap_or_default();
    TargetKind::by_id(id).ok_or_else(|| {
        let ids: Vec<String> = TargetKind::shipped()
            .iter()
            .map(|k| k.id().to_owned())
            .collect();
        Fail::usage(format!(
            "No target \"{id}\". The targets are: {} (or --profile FILE).",
            ids.join(", ")
        ))
    })
}

/// `NAME=VALUE` pairs, split on the first `=`.
pub fn pairs(list: &[String], what: &str) -> Result<Vec<(String, String)>, Fail> {
    list.iter()
        .map(|item| {
            item.split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
                .ok_or_else(|| Fail::usage(format!("{what} \"{item}\" is not NAME=VALUE.")))
        })
        .collect()
}

/// The target's settings from `--set`, checked against the settings it declares.
pub fn settings(kind: &TargetKind, sets: &[String]) -> Result<Settings, Fail> {
    let declared = kind.settings();
    let mut settings = Settings::new();
    for (id, value) in pairs(sets, "--set")? {
        if !declared.iter().any(|s| s.id == id) {
            let ids: Vec<&str> = declared.iter().map(|s| s.id.as_str()).collect();
            return Err(Fail::usage(format!(
                "{} has no setting \"{id}\". Its settings: {}.",
                kind.name(),
                if ids.is_empty() {
                    "none".to_owned()
                } else {
                    ids.join(", ")
                }
            )));
        }
        settings.insert(id, value);
    }
    Ok(settings)
}

fn delimiter(text: &str) -> Result<u8, Fail> {
    let byte = match text.to_ascii_lowercase().as_str() {
        "comma" => Some(b','),
        "semicolon" => Some(b';'),
        "tab" | "\\t" => Some(b'\t'),
        "pipe" => Some(b'|'),
        other if other.len() == 1 => Some(other.as_bytes()[0]),
        _ => None,
    };
    byte.filter(|b| DELIMITERS.contains(b)).ok_or_else(|| {
        Fail::usage(format!(
            "--delimiter \"{text}\": one of comma, semicolon, tab, pipe (or the character itself)."
        ))
    })
}

/// What the page's reading settings would be.
pub fn read_options(job: &Job) -> Result<ReadOptions, Fail> {
    let encoding = match &job.encoding {
        None => None,
        Some(name) => Some(
            TextEncoding::from_key(&name.to_ascii_lowercase()).ok_or_else(|| {
                Fail::usage(format!(
                    "--encoding \"{name}\": one of utf-8, utf-16le, utf-16be, windows-1252."
                ))
            })?,
        ),
    };
    Ok(ReadOptions {
        encoding,
        delimiter: job.delimiter.as_deref().map(delimiter).transpose()?,
        header: match (job.header, job.no_header) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
        skip_lines: job.skip_lines,
        literal_quotes: false,
    })
}

/// The file read and planned, with the mapping and row choices of the command line.
pub struct Prepared {
    pub name: String,
    pub bytes: Vec<u8>,
    pub loaded: Loaded,
}

impl Prepared {
    pub fn rows(&self) -> &[PlannedRow] {
        &self.loaded.rows
    }
}

/// Reads the file as the page does (a stray quote that swallowed lines is read again
/// literally, as the page offers), then applies `--map`, `--value`, `--keep-first-duplicate` and
/// `--exclude-invalid`.
pub fn prepare(job: &Job, kind: &TargetKind, settings: &Settings) -> Result<Prepared, Fail> {
    let path: &Path = &job.file;
    let bytes = std::fs::read(path)
        .map_err(|e| Fail::usage(format!("Cannot read {}: {e}", path.display())))?;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let options = read_options(job)?;
    let rules =
        roster_core::input::passwords::rules_for(kind.rules(settings), job.generate_passwords);
    let mut loaded = if roster_sheets::sniff(&bytes).is_some() {
        // A workbook: its sheet's rows, as the page's worker reads them, then the same
        // pipeline as a CSV file.
        let converted = roster_sheets::convert(&bytes, job.sheet.as_deref())
            .map_err(|e| Fail::usage(format!("{name}: {e}")))?;
        let list: Vec<String> = converted
            .sheets
            .iter()
            .map(|s| {
                if s.hidden {
                    format!("\"{}\" (hidden)", s.name)
                } else {
                    format!("\"{}\"", s.name)
                }
            })
            .collect();
        if converted.sheets.len() > 1 {
            eprintln!(
                "{name}: reading the sheet \"{}\" (sheets: {}; choose one with --sheet NAME).",
                converted.sheets[converted.chosen].name,
                list.join(", ")
            );
        }
        roster_core::input::reading::read_sheet_all(
            converted.sheets[converted.chosen].name.clone(),
            converted.csv,
            converted.lines,
            converted.notes,
            options,
            rules.clone(),
        )
        .map_err(|e| Fail::usage(format!("{name}: {e}")))?
    } else if job.sheet.is_some() {
        return Err(Fail::usage(format!(
            "--sheet is for a workbook (.xlsx, .ods); {name} is a text file."
        )));
    } else {
        read_all(&bytes, options, rules.clone()).map_err(|e| Fail::usage(format!("{name}: {e}")))?
    };
    // (A workbook's sheet is written quoted as it should be: read again as text, its
    // bytes would be the zip's.)
    if loaded.stray_quotes && loaded.sheet_name.is_none() {
        let literal = ReadOptions {
            literal_quotes: true,
            ..options
        };
        if let Ok(again) = read_all(&bytes, literal, rules) {
            loaded = again;
        }
    }
    let maps = pairs(&job.maps, "--map")?;
    let choices = job
        .values
        .iter()
        .map(|v| {
            parse_choice(v, &kind.field_specs()).map_err(|e| Fail::usage(format!("--value: {e}.")))
        })
        .collect::<Result<Vec<_>, Fail>>()?;
    if !maps.is_empty() || !choices.is_empty() {
        let sheet = &mut loaded.sheet;
        for c in choices {
            sheet.mapping.choose_value(c.field, &c.word, Some(&c.value));
        }
        for (column, field) in maps {
            let index = loaded
                .columns
                .iter()
                .position(|c| c.eq_ignore_ascii_case(&column))
                .ok_or_else(|| {
                    Fail::usage(format!(
                        "--map: the file has no column \"{column}\". Its columns: {}.",
                        loaded.columns.join(", ")
                    ))
                })?;
            let field = match field.trim() {
                "" => None,
                label => Some(
                    Field::from_label(label)
                        .filter(|f| kind.fields().contains(f))
                        .ok_or_else(|| {
                            let labels: Vec<String> =
                                kind.fields().iter().map(|f| f.label().to_owned()).collect();
                            Fail::usage(format!(
                                "--map: {} has no field \"{label}\". Its fields: {}.",
                                kind.name(),
                                labels.join(", ")
                            ))
                        })?,
                ),
            };
            if sheet.mapping.columns.len() <= index {
                sheet.mapping.columns.resize(index + 1, None);
            }
            // A field comes from one column: the one named last (the page's own choice).
            sheet.mapping.assign(index, field, &kind.field_specs());
        }
        loaded.rows = sheet.plan_all();
        loaded.tally = Tally::of(&loaded.rows);
    }
    if job.keep_first_duplicate {
        let (sheet, rows, tally) = (&mut loaded.sheet, &mut loaded.rows, &mut loaded.tally);
        sheet.keep_first_duplicates(rows, tally);
    }
    if job.exclude_invalid {
        let (sheet, rows, tally) = (&mut loaded.sheet, &mut loaded.rows, &mut loaded.tally);
        let invalid: Vec<usize> = (0..rows.len())
            .filter(|&i| !rows[i].excluded && !rows[i].is_valid())
            .collect();
        for i in invalid {
            sheet.set_excluded(rows, tally, i, true);
        }
    }
    Ok(Prepared {
        name,
        bytes,
        loaded,
    })
}
