//! The command line as clap reads it. Secrets have no option here on purpose: see
//! [`crate::secrets`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "roster",
    version,
    about = "Bulk-create user accounts from a spreadsheet: the same core as Roster's page, headless.",
    after_help = "Secrets never go on the command line: set ROSTER_PASSWORD, ROSTER_API_KEY, ROSTER_TOKEN \
or ROSTER_CREDENTIAL_<ID>, type them at the prompt, or pipe one with --password-stdin.\n\
Exit codes: 0 every row created or exists; 1 some rows invalid, rejected, failed or unknown; \
2 a usage or file error; 3 the run stopped; 130 interrupted."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read the file, check it and create its accounts.
    Import(Import),
    /// Read the file, check its rows and the server (a read-only listing); create nothing.
    Check(Job),
    /// Print a CSV template for a target (header, notes, an example row).
    Template(TemplateArgs),
    /// List the built-in targets and presets, with what each needs.
    Targets,
}

#[derive(Debug, Args)]
pub struct TemplateArgs {
    #[command(flatten)]
    pub target: TargetChoice,
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct TargetChoice {
    /// A built-in target or preset, by id (see `roster targets`).
    #[arg(long, value_name = "ID")]
    pub target: Option<String>,
    /// A profile file (JSON), as "Load a profile…" takes it in the page.
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
}

/// What `import` and `check` share: the file, the target and the server, reading, rows.
#[derive(Debug, Args)]
pub struct Job {
    /// The spreadsheet (CSV, TSV, pipe- or semicolon-delimited text).
    pub file: PathBuf,
    #[command(flatten)]
    pub target: TargetChoice,
    /// The Server URL, as typed in the page's form.
    #[arg(long, value_name = "URL")]
    pub server: String,
    /// The login name (not a secret); the target's default when not given.
    #[arg(long, value_name = "NAME")]
    pub login: Option<String>,
    /// Another credential that is not a secret, by its id (repeatable).
    #[arg(long = "credential", value_name = "ID=VALUE")]
    pub credentials: Vec<String>,
    /// Read the secret (the password, key or token) from standard input, one line.
    #[arg(long)]
    pub password_stdin: bool,
    /// Send a secret over plain http:// to another computer.
    #[arg(long)]
    pub allow_plain_http: bool,
    /// Also trust the certificate authorities in this PEM file (a server with a private CA).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,

    // Reading.
    /// The file's encoding: utf-8, utf-16le, utf-16be or windows-1252 (detected when not given).
    #[arg(long, help_heading = "Reading")]
    pub encoding: Option<String>,
    /// The delimiter: one character, or comma, semicolon, tab, pipe (detected when not given).
    #[arg(long, help_heading = "Reading")]
    pub delimiter: Option<String>,
    /// Lines above the data that are not read (detected when not given).
    #[arg(long, value_name = "N", help_heading = "Reading")]
    pub skip_lines: Option<usize>,
    /// The sheet of a workbook (.xlsx, .ods) to read, by name (the first visible sheet
    /// with data when not given).
    #[arg(long, value_name = "NAME", help_heading = "Reading")]
    pub sheet: Option<String>,
    /// The first line read is a header.
    #[arg(long, conflicts_with = "no_header", help_heading = "Reading")]
    pub header: bool,
    /// The first line read is data.
    #[arg(long, help_heading = "Reading")]
    pub no_header: bool,

    // Rows.
    /// Map a column to a field: "Column=field" (repeatable; "Column=" maps it to nothing).
    #[arg(long = "map", value_name = "COLUMN=FIELD", help_heading = "Rows")]
    pub maps: Vec<String>,
    /// What a word of a fixed-value column means: "Role:user=2" (repeatable; the value
    /// by itself or its label). Obvious words (user, Tenant admin, Kunde) need none.
    #[arg(long = "value", value_name = "FIELD:WORD=VALUE", help_heading = "Rows")]
    pub values: Vec<String>,
    /// A target setting, such as a default for an empty cell: "package_id=2" (repeatable).
    #[arg(long = "set", value_name = "SETTING=VALUE", help_heading = "Rows")]
    pub sets: Vec<String>,
    /// Keep the first row of each duplicate address or user name; the others are excluded.
    #[arg(long, help_heading = "Rows")]
    pub keep_first_duplicate: bool,
    /// Leave the invalid rows out (they are excluded) instead of reporting them invalid.
    #[arg(long, help_heading = "Rows")]
    pub exclude_invalid: bool,
    /// Generate a password (of a length and characters the target accepts) for each row
    /// without one; `import` needs --passwords-file to hand them out.
    #[arg(long, help_heading = "Rows")]
    pub generate_passwords: bool,
}

#[derive(Debug, Args)]
pub struct Import {
    #[command(flatten)]
    pub job: Job,

    // Pace.
    /// Requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u32).range(1..=64), help_heading = "Pace")]
    pub parallel: u32,
    /// Requests per minute (the target's own limit when not given).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000),
          help_heading = "Pace")]
    pub rate: Option<u32>,
    /// Attempts per row for transient faults, the first included.
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u32).range(1..=10), help_heading = "Pace")]
    pub attempts: u32,

    // Files.
    /// Write the CSV report here (formula-safe; no password).
    #[arg(long, value_name = "FILE", help_heading = "Files")]
    pub report: Option<PathBuf>,
    /// Write the JSON report here.
    #[arg(long, value_name = "FILE", help_heading = "Files")]
    pub report_json: Option<PathBuf>,
    /// Write the rows to send again (failed, unknown, skipped) as a CSV of the input's columns.
    #[arg(long, value_name = "FILE", help_heading = "Files")]
    pub retry_file: Option<PathBuf>,
    /// With --generate-passwords: write the generated passwords of the accounts created
    /// here, as a CSV (account, sign-in address, password), readable by you alone (mode
    /// 0600). They are never printed and kept nowhere else.
    #[arg(long, value_name = "FILE", help_heading = "Files")]
    pub passwords_file: Option<PathBuf>,
    /// The journal folder that lets a run resume after a crash or Ctrl-C (default: beside
    /// the input, FILE.roster-journal): one file per page of rows, each replaced whole.
    #[arg(long, value_name = "DIR", help_heading = "Files")]
    pub journal: Option<PathBuf>,

    /// Print the requests the import would send (secrets masked) and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Resume the unfinished run this journal holds, without asking.
    #[arg(long, conflicts_with = "no_resume")]
    pub resume: bool,
    /// Start afresh even when the journal holds an unfinished run.
    #[arg(long)]
    pub no_resume: bool,
    /// Send without asking for confirmation (needed without a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// What to do with an account already on the server: skip it (the default), update
    /// it with the row's values (after a preview of the accounts that change, confirmed
    /// at the prompt or with --yes), or stop at the first.
    #[arg(long, value_name = "skip|update|stop", default_value = "skip", value_parser = existing)]
    pub existing: roster_core::run::Existing,
    /// With --existing update: also set the passwords of existing accounts to the
    /// file's (without it their passwords stay as they are).
    #[arg(long)]
    pub update_passwords: bool,
}

fn existing(word: &str) -> Result<roster_core::run::Existing, String> {
    roster_core::run::Existing::parse(word)
        .ok_or_else(|| format!("\"{word}\" is not one of skip, update, stop"))
}
