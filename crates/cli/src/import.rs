//! `roster import` and `roster check`: the page's File, Target and Run steps, in order,
//! with the core doing every decision ([`roster_core::job::Job`], [`roster_core::job::Look`]).

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use indicatif::{ProgressBar, ProgressStyle};
use roster_core::input::passwords::{self, Generated, Handout};
use roster_core::job::form::{target_for, Form, FormError};
use roster_core::job::{
    words as job_words, Effect, Job, JournalProblem, Look, Over, Start, Survey,
};
use roster_core::report::{self, Input, RunInfo};
use roster_core::run::journal::{self, Journal, Refusal};
use roster_core::run::{Ending, Existing, OnExisting, RunConfig, Status};
use roster_core::targets::check::check_for;
use roster_core::targets::preview::MASK;
use roster_core::targets::send::{Secrets, Target};
use roster_core::targets::{Settings, TargetKind};

use crate::cli::{Import, Job as JobArgs};
use crate::drive::{drive, Pool, INTERRUPTS};
use crate::load::{self, Prepared};
use crate::secrets::{self, Problem, Sources};
use crate::store::FileStore;
use crate::{words, Fail};

fn wall_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_millis() as f64)
}

/// What `import` and `check` both do first: the target, its settings, the file read and
/// planned, and the summary printed.
fn prepare(job: &JobArgs) -> Result<(TargetKind, Settings, Prepared), Fail> {
    let kind = load::kind(&job.target)?;
    let settings = load::settings(&kind, &job.sets)?;
    let prepared = load::prepare(job, &kind, &settings)?;
    println!("{}", words::file_summary(&prepared));
    println!("Mapping for {}:", kind.name());
    for line in words::mapping(&prepared) {
        println!("{line}");
    }
    for line in words::invalid_rows(&prepared, 10) {
        println!("{line}");
    }
    Ok((kind, settings, prepared))
}

fn gather(job: &JobArgs, kind: &TargetKind, prompt: bool) -> Result<Secrets, Fail> {
    if job.login.is_some() && !kind.credentials().iter().any(|c| c.id == "login") {
        return Err(Fail::usage(format!(
            "{} takes no login name: --login is for targets that ask for one (see roster targets).",
            kind.name()
        )));
    }
    let shown = load::pairs(&job.credentials, "--credential")?;
    let sources = Sources {
        login: job.login.as_deref(),
        shown: &shown,
        stdin: job.password_stdin,
        prompt,
    };
    secrets::gather(&kind.credentials(), &sources, |s| {
        kind.missing_credentials(s).is_none()
    })
    .map_err(|p| match p {
        Problem::SecretArgument(id) => Fail::usage(format!(
            "--credential {id} refused: {id} is a secret, never given on the command line, and nothing was sent. {}",
            secrets::HOW
        )),
        Problem::Unknown(id) => Fail::usage(format!("{} has no credential \"{id}\".", kind.name())),
        Problem::Stdin(e) => Fail::usage(format!("Cannot read the secret from standard input: {e}")),
    })
}

fn target(
    job: &JobArgs,
    kind: &TargetKind,
    settings: &Settings,
    secrets: &Secrets,
) -> Result<Box<dyn Target>, Fail> {
    target_for(Form {
        kind: &**kind,
        server_url: &job.server,
        http_ack: job.allow_plain_http,
        settings,
        secrets,
    })
    .map_err(|e| match e {
        FormError::PlainHttp => {
            Fail::usage(format!("{e} (On the command line: --allow-plain-http.)"))
        }
        FormError::MissingCredentials(m) => Fail::usage(format!("{m} {}", secrets::HOW)),
        other => Fail::usage(other.to_string()),
    })
}

/// The HTTP client, trusting `--ca-file` besides the usual authorities.
fn client(job: &JobArgs, parallel: usize) -> Result<reqwest::blocking::Client, Fail> {
    crate::http::client(parallel, job.ca_file.as_deref()).map_err(Fail::usage)
}

/// `roster check`: read, validate, and the target's read-only listing.
pub fn check(job: &JobArgs) -> Result<u8, Fail> {
    let (kind, settings, prepared) = prepare(job)?;
    let secrets = gather(job, &kind, secrets::can_prompt())?;
    let built = target(job, &kind, &settings, &secrets)?;
    let invalid = prepared.loaded.tally.invalid > 0;
    let Some(listing) = check_for(&*kind, &job.server, built, secrets) else {
        println!("{}", job_words::no_check(kind.name()));
        return Ok(u8::from(invalid));
    };
    let pool = Pool::new(client(job, 1)?, 1);
    let mut look = Look::new(listing);
    match drive(&mut look, &pool, None, |_, _| {}).over {
        Over::Checked(Ok(report)) => {
            for line in job_words::check_summary(&report, prepared.rows()) {
                println!("{line}");
            }
            Ok(u8::from(invalid))
        }
        Over::Checked(Err(message)) => Err(Fail::stopped(format!("Check failed: {message}"))),
        other => Err(Fail::stopped(format!("Check ended: {other:?}"))),
    }
}

/// The preview of `--existing update`: looks up each row's account (exists probes
/// only), prints which accounts exist and what changes, and asks to confirm (or takes
/// --yes). `None`: the admin said no.
fn preview_update(
    args: &Import,
    target: Box<dyn Target>,
    secrets: Secrets,
    plan: &Arc<Vec<roster_core::input::plan::PlannedRow>>,
    sheet: Arc<roster_core::input::plan::Sheet>,
    config: RunConfig,
    terminal: bool,
) -> Result<Option<OnExisting>, Fail> {
    let parallel = config.concurrency.max(1);
    let pool = Pool::new(client(&args.job, parallel + 1)?, parallel + 1);
    let mut survey = Survey::new(
        target,
        secrets,
        plan,
        move |i| sheet.user(i),
        config,
        pool.now(),
    );
    let ended = drive(&mut survey, &pool, None, |_, _| {});
    drop(pool);
    let preview = match ended.over {
        Over::Surveyed(Ok(preview)) => preview,
        Over::Surveyed(Err(message)) => {
            return Err(Fail::stopped(format!(
                "The preview of the update could not be made: {message} Nothing was sent."
            )))
        }
        other => return Err(Fail::stopped(format!("The preview ended: {other:?}"))),
    };
    for line in preview.lines(args.update_passwords) {
        println!("{line}");
    }
    let on = OnExisting::update(args.update_passwords, preview.confirmed());
    if preview.existing.is_empty() || args.yes {
        return Ok(Some(on));
    }
    let question = format!(
        "Update these {} existing account{}?",
        preview.existing.len(),
        if preview.existing.len() == 1 { "" } else { "s" }
    );
    if !terminal {
        return Err(Fail::usage(format!(
            "{question} Not sent: there is no terminal to confirm on. Add --yes to update them."
        )));
    }
    Ok(ask(&question, false).then_some(on))
}

/// Asks a yes/no question on the terminal; `default` when Enter alone is pressed.
fn ask(question: &str, default: bool) -> bool {
    eprint!("{question} [{}] ", if default { "Y/n" } else { "y/N" });
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() {
        return false;
    }
    match line.trim().to_ascii_lowercase().as_str() {
        "" => default,
        "y" | "yes" => true,
        _ => false,
    }
}

/// The journal folder beside the input: `people.csv` → `people.csv.roster-journal`.
fn journal_path(args: &Import) -> PathBuf {
    args.journal.clone().unwrap_or_else(|| {
        let mut p = args.job.file.clone().into_os_string();
        p.push(".roster-journal");
        PathBuf::from(p)
    })
}

/// `roster import` (and `--dry-run`).
pub fn import(args: &Import) -> Result<u8, Fail> {
    let job = &args.job;
    let (kind, settings, prepared) = prepare(job)?;
    let terminal = std::io::stdin().is_terminal();
    if kind.invites(&settings) {
        if job.generate_passwords {
            return Err(Fail::usage(
                "--generate-passwords is not offered with an invitation e-mail instead of a password (invite=yes): invited accounts get no password. Nothing was sent.",
            ));
        }
        let any_password = prepared.rows().iter().any(|r| r.has_password);
        if let Some(note) = passwords::invited_note(true, any_password) {
            println!("{note}");
        }
    }
    if args.dry_run {
        return dry_run(args, &kind, &settings, &prepared);
    }
    if job.generate_passwords && args.passwords_file.is_none() {
        return Err(Fail::usage(
            "--generate-passwords needs --passwords-file FILE: the generated passwords are handed out only there (they are never printed). Nothing was sent.",
        ));
    }
    if args.passwords_file.is_some() && !job.generate_passwords {
        return Err(Fail::usage(
            "--passwords-file is for --generate-passwords. Nothing was sent.",
        ));
    }
    if args.update_passwords && args.existing != Existing::Update {
        return Err(Fail::usage(
            "--update-passwords is for --existing update. Nothing was sent.",
        ));
    }
    if args.existing == Existing::Update && !kind.updates() {
        return Err(Fail::usage(format!(
            "{} Nothing was sent.",
            kind.no_update()
        )));
    }
    if args.update_passwords {
        if let Some(why) = kind.no_update_passwords_with(&settings) {
            return Err(Fail::usage(format!(
                "--update-passwords is not offered for {}: {why} Nothing was sent.",
                kind.name()
            )));
        }
    }
    let secrets = gather(job, &kind, secrets::can_prompt())?;
    let target = target(job, &kind, &settings, &secrets)?;
    let config = RunConfig {
        concurrency: args.parallel as usize,
        max_attempts: args.attempts,
        rate_per_min: args.rate.or_else(|| kind.default_rate()),
        ..RunConfig::default()
    };

    // The journal: resume an unfinished run of this file to this server?
    let path = journal_path(args);
    let mut store = FileStore::open(&path).map_err(|e| Fail::usage(e.to_string()))?;
    let wall = wall_ms();
    let fingerprint = journal::fingerprint(&prepared.bytes);
    let journal = Journal::new(
        &fingerprint,
        &prepared.name,
        &kind.target_id(),
        &job.server,
        wall,
    )
    .with_run(&format!("{:x}-{:x}", wall as u64, std::process::id()));
    let resume = match journal::load(&store, &journal.key()) {
        Ok(saved) if !saved.finished => {
            let offer = words::saved_run(&saved.head());
            if args.resume {
                println!("{offer} Resuming it (--resume).");
                Some(saved)
            } else if args.no_resume {
                println!("{offer} Starting afresh (--no-resume): rows it created would be sent again, and end exists or rejected.");
                None
            } else if terminal && ask(&format!("{offer} Resume it?"), true) {
                Some(saved)
            } else if terminal {
                None
            } else {
                return Err(Fail::usage(format!(
                    "{offer} Add --resume to resume it, or --no-resume to start afresh. Nothing was sent."
                )));
            }
        }
        Ok(_) | Err(Refusal::Missing) => None,
        Err(refusal) if args.no_resume => {
            println!("The journal's saved run cannot be resumed ({refusal}); starting afresh (--no-resume).");
            None
        }
        Err(refusal) => {
            return Err(Fail::usage(format!(
                "The journal {} holds a run of this file that cannot be resumed: {refusal}. Check the rows on the server, then run again with --no-resume. Nothing was sent.",
                path.display()
            )))
        }
    };

    if resume.is_some() && job.generate_passwords {
        println!("{}", passwords::RESUME_NOTE);
    }
    let to_send = prepared.loaded.tally.valid;
    let question = format!(
        "Send {to_send} rows to {} at {}?",
        kind.name(),
        journal::strip_userinfo(job.server.trim())
    );
    if !args.yes {
        if !terminal {
            return Err(Fail::usage(format!(
                "{question} Not sent: there is no terminal to confirm on. Add --yes to send."
            )));
        }
        if !ask(&question, false) {
            println!("Not sent.");
            return Ok(2);
        }
    }

    let _ = ctrlc::set_handler(|| {
        if INTERRUPTS.fetch_add(1, Ordering::SeqCst) >= 1 {
            std::process::exit(130);
        }
        eprintln!("\nStopping: the requests in flight finish, then the journal is written. Ctrl-C again quits at once.");
    });

    let Prepared { name, loaded, .. } = prepared;
    let sheet = Arc::new(loaded.sheet);
    let plan = Arc::new(loaded.rows);
    let existing = match args.existing {
        Existing::Skip => OnExisting::default(),
        Existing::Stop => OnExisting::stop(),
        Existing::Update => {
            let survey_target = self::target(job, &kind, &settings, &secrets)?;
            let sheet = Arc::clone(&sheet);
            match preview_update(
                args,
                survey_target,
                secrets.clone(),
                &plan,
                sheet,
                config,
                terminal,
            )? {
                Some(on) => on,
                None => {
                    println!("Not sent.");
                    return Ok(2);
                }
            }
        }
    };
    let users_sheet = Arc::clone(&sheet);
    let mut users: roster_core::run::Users = Box::new(move |i| users_sheet.user(i));
    let generated = job.generate_passwords.then(|| {
        let policy = kind.password_policy();
        Arc::new(Generated::for_rows(
            &plan,
            |i| sheet.user(i),
            &policy,
            &mut os_random,
        ))
    });
    if let Some(generated) = &generated {
        users = generated.users(users);
    }
    let pool = Pool::new(
        client(job, args.parallel as usize + 1)?,
        args.parallel as usize + 1,
    );
    let started_run_ms = pool.now();
    let mut job_machine = Job::new(
        Start {
            kind: kind.clone(),
            target,
            server_url: job.server.trim().to_owned(),
            secrets,
            plan: Arc::clone(&plan),
            users,
            config,
            checked: None,
            resume,
            retry: None,
            journal: Some(journal),
            wall_ms: wall,
            jitter: None,
            existing,
            file_steps: roster_core::run::retry::file_steps(&sheet.table),
        },
        started_run_ms,
    );
    let handout = generated.map(|g| Handout::new(g, job_machine.run().rows()));
    let total = job_machine.run().counts().get(Status::Pending) as u64;
    let excluded = job_machine
        .run()
        .rows()
        .iter()
        .filter(|r| r.excluded)
        .count();
    let mut progress = Progress::new(total, excluded);
    let ended = drive(&mut job_machine, &pool, Some(&mut store), |job, effect| {
        progress.show(job, effect)
    });
    progress.finish();
    drop(pool);

    let run = job_machine.run();
    let rows = run.rows();
    let counts = run.counts();
    println!("Result: {}.", job_words::tally(&counts, excluded));
    if let Some(steps) = roster_core::run::steps_summary(rows) {
        println!("{steps}");
    }
    let info = RunInfo {
        target: kind.name().to_owned(),
        server_url: journal::strip_userinfo(job.server.trim()),
        file_name: name,
        started_wall_ms: wall,
        started_run_ms,
        ended_wall_ms: Some(wall_ms()),
    };
    let input = Input {
        table: &sheet.table,
        mapping: &sheet.mapping,
    };
    let mut file_error = false;
    let mut write = |path: &Option<PathBuf>, text: Option<String>, what: &str| {
        let Some(path) = path else { return };
        let Some(text) = text else {
            println!("{what}: none (no file written)");
            return;
        };
        match std::fs::write(path, text) {
            Ok(()) => println!("{what}: {}", path.display()),
            Err(e) => {
                eprintln!("roster: cannot write {what} {}: {e}", path.display());
                file_error = true;
            }
        }
    };
    write(
        &args.report,
        Some(report::csv_report_with(
            &plan,
            rows,
            Some(input),
            Some(&info),
        )),
        "Report",
    );
    write(
        &args.report_json,
        Some(report::json_report(&plan, rows, Some(input), &info)),
        "JSON report",
    );
    write(
        &args.retry_file,
        report::retry_file(&sheet.table, rows),
        "Rows to retry",
    );
    if args.retry_file.is_some() {
        if let Some(note) =
            report::steps_left_out_note(sheet.table.header.is_some(), rows, report::STEPS_IN_REPORT)
        {
            println!("{note}");
        }
    }
    if let (Some(handout), Some(path)) = (&handout, &args.passwords_file) {
        let slips = handout.slips(&plan, rows, |i| sheet.user(i));
        match write_private(path, &passwords::csv(&slips)) {
            Ok(()) => println!(
                "Passwords: {} generated passwords of the accounts created, in {} (readable by you alone; hand them out, then delete it)",
                slips.len(),
                path.display()
            ),
            Err(e) => {
                eprintln!(
                    "roster: cannot write the passwords file {}: {e}. The {} accounts created with a generated password cannot sign in until their passwords are set again.",
                    path.display(),
                    slips.len()
                );
                file_error = true;
            }
        }
    }
    if store.get_any() {
        println!("Journal: {}", store.path().display());
    }

    let code = match ended.over {
        Over::JournalRefused(e) => {
            eprintln!(
                "roster: not started: the journal {} could not be written: {}. No row was sent. Give another place with --journal.",
                store.path().display(),
                e.explain()
            );
            2
        }
        Over::RecheckFailed(message) => {
            eprintln!("roster: {} {message}", job_words::RECHECK_FAILED);
            3
        }
        Over::Ran(_) if ended.interrupted => 130,
        Over::Ran(_) if ended.journal_failed => {
            eprintln!(
                "roster: stopped: the journal {} could not be written, so nothing more was sent (a run that cannot be resumed safely is not run). Free space, then run the same command again to resume.",
                store.path().display()
            );
            3
        }
        Over::Ran(None) | Over::Ran(Some(Ending::Stopped)) => 3,
        Over::Ran(Some(Ending::Cancelled)) => 130,
        Over::Ran(Some(Ending::Finished)) => {
            let all_good = plan
                .iter()
                .zip(rows)
                .all(|(p, r)| p.excluded || r.status.is_done());
            u8::from(!all_good)
        }
        Over::Checked(_) | Over::Surveyed(_) => 3,
    };
    Ok(if file_error && code < 2 { 2 } else { code })
}

/// The OS random source (`getrandom`), for generated passwords.
fn os_random(buf: &mut [u8]) {
    if let Err(e) = getrandom::getrandom(buf) {
        // Without randomness no password can be made safely: nothing was sent yet.
        eprintln!("roster: the OS random source failed: {e}");
        std::process::exit(2);
    }
}

/// Writes `text` to `path` readable and writable by the owner alone (mode 0600 on Unix,
/// also when the file was already there).
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    #[cfg(unix)]
    file.set_permissions(
        <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o600),
    )?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// `--dry-run`: the requests the import would send, every secret masked; nothing sent,
/// no secret needed.
fn dry_run(
    args: &Import,
    kind: &TargetKind,
    settings: &Settings,
    prepared: &Prepared,
) -> Result<u8, Fail> {
    let mut secrets = gather(&args.job, kind, false)?;
    for field in kind.credentials() {
        if !secrets.filled(&field.id) {
            secrets.set(&field.id, MASK, field.secret);
        }
    }
    let target = target(&args.job, kind, settings, &secrets)?;
    const SHOWN: usize = 5;
    let sheet = &prepared.loaded.sheet;
    println!(
        "Dry run: nothing is sent. The requests for the first {SHOWN} ready rows, secrets masked:"
    );
    let users = passwords::stand_in(|i| sheet.user(i), args.job.generate_passwords);
    // A dropped-back "rows to retry" file: its rows that name steps are never created.
    let file_steps = roster_core::run::retry::file_steps(&sheet.table);
    let shown = roster_core::job::dry_run(
        &*target,
        &secrets,
        &kind.template_specs(),
        prepared.rows(),
        users,
        &file_steps,
        SHOWN,
    );
    if let Some(summary) = shown.summary {
        println!("{summary}");
    }
    for request in shown.requests {
        println!("\n{request}");
    }
    let ready = prepared.loaded.tally.valid;
    if ready > SHOWN {
        println!("\n… and {} more rows.", ready - SHOWN);
    }
    Ok(0)
}

/// The run's progress: a bar with rate and ETA on a terminal, plain lines otherwise.
struct Progress {
    bar: Option<ProgressBar>,
    total: u64,
    /// Rows excluded before the run: their `skipped` is said "excluded".
    excluded: usize,
    last_line: Instant,
}

impl Progress {
    fn new(total: u64, excluded: usize) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} rows  {per_sec}  ETA {eta}  {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        Progress {
            bar,
            total,
            excluded,
            last_line: Instant::now(),
        }
    }

    fn say(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    fn show(&mut self, job: &Job, effect: &Effect) {
        match effect {
            Effect::Announce(sentence) => self.say(sentence),
            // The core's journal sentences speak of a browser's storage; the terminal
            // says its own (the refusal is said at the end, with the file's path).
            Effect::JournalProblem(Some(JournalProblem::Paused(_))) => self.say(
                "The journal could not be written: nothing more is sent; the rows in flight finish.",
            ),
            Effect::JournalProblem(Some(JournalProblem::Unsaved(_))) => self.say(
                "The journal's last write failed: a resume of this file would not be trusted; check the rows on the server before sending it again.",
            ),
            Effect::Changed(_) => {
                let counts = job.run().counts();
                let left = (counts.get(Status::Pending) + counts.get(Status::Sending)) as u64;
                let done = self.total.saturating_sub(left);
                match &self.bar {
                    Some(bar) => {
                        bar.set_position(done);
                        bar.set_message(job_words::tally(&counts, self.excluded));
                    }
                    None if self.last_line.elapsed() >= Duration::from_secs(2) => {
                        self.last_line = Instant::now();
                        eprintln!(
                            "Progress: {done}/{} rows: {}.",
                            self.total,
                            job_words::tally(&counts, self.excluded)
                        );
                    }
                    None => {}
                }
            }
            _ => {}
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
