//! `roster`: Roster's core on the command line. See `roster --help` and the README's
//! "Command line" section.

mod cli;
mod drive;
mod http;
mod import;
mod load;
mod secrets;
mod store;
mod words;

use std::process::ExitCode;

use clap::Parser;

/// Why the command ends early, with its exit code.
#[derive(Debug)]
pub struct Fail {
    pub code: u8,
    pub message: String,
}

impl Fail {
    /// A usage or file error: exit 2.
    pub fn usage(message: impl Into<String>) -> Fail {
        Fail {
            code: 2,
            message: message.into(),
        }
    }

    /// The run (or the check) stopped: exit 3.
    pub fn stopped(message: impl Into<String>) -> Fail {
        Fail {
            code: 3,
            message: message.into(),
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(option) = secrets::secret_argument(&args) {
        eprintln!(
            "roster: {option} refused: a secret is never given on the command line (it would stay in the shell's history and in the process list), and nothing was sent. {}",
            secrets::HOW
        );
        return ExitCode::from(2);
    }
    let cli = cli::Cli::parse_from(args);
    let result = match cli.command {
        cli::Command::Targets => {
            print!("{}", words::targets());
            Ok(0)
        }
        cli::Command::Template(t) => load::kind(&t.target).map(|kind| {
            print!("{}", kind.template());
            0
        }),
        cli::Command::Check(job) => import::check(&job),
        cli::Command::Import(import) => import::import(&import),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(fail) => {
            eprintln!("roster: {}", fail.message);
            ExitCode::from(fail.code)
        }
    }
}
