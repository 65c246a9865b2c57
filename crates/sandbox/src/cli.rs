//! The command line, parsed by hand.

use std::path::PathBuf;

use crate::config::{Config, ConfigError, Cors};
use crate::Options;

/// `roster-sandbox --help`.
pub const USAGE: &str = "\
Usage: roster-sandbox [OPTIONS]

A local, in-memory Aurora + Mumara target server for trying Roster and for its tests.
It listens on 127.0.0.1 only and forgets everything when it stops.

Options:
  --api-port N    API and control port (default 8787; 0 = any free port)
  --page-port N   page port, used with --dist (default 8080; 0 = any free port)
  --dist DIR      serve the built app in DIR on the page port (index.html for /)
  --no-cors       start with CORS off (the browser then blocks cross-origin calls)
  --config JSON   initial knobs: inline JSON ({...}) or the path of a JSON file,
                  same shape as POST /_sandbox/config
  --quiet         do not log one line per API request
  -h, --help      show this help
";

/// What the command line asks for.
#[derive(Debug)]
pub enum Command {
    Run(Box<Options>),
    Help,
}

/// Parse the arguments (without the program name). `--flag value` and `--flag=value`.
pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Command, CliError> {
    let mut options = Options {
        log: true,
        ..Options::default()
    };
    let mut no_cors = false;
    let mut config: Option<Config> = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_string(), Some(value.to_string()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| CliError::NeedsValue(name.to_string()))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--api-port" => options.api_port = port(&value("--api-port")?)?,
            "--page-port" => options.page_port = port(&value("--page-port")?)?,
            "--dist" => options.dist = Some(PathBuf::from(value("--dist")?)),
            "--config" => {
                config = Some(Config::from_arg(&value("--config")?).map_err(CliError::Config)?)
            }
            "--no-cors" => no_cors = true,
            "--quiet" => options.log = false,
            other => return Err(CliError::Unknown(other.to_string())),
        }
    }
    options.config = config.unwrap_or_default();
    if no_cors {
        options.config.cors = Cors::Off;
    }
    Ok(Command::Run(Box::new(options)))
}

fn port(text: &str) -> Result<u16, CliError> {
    text.parse()
        .map_err(|_| CliError::NotAPort(text.to_string()))
}

/// What is wrong with the command line.
#[derive(Debug)]
pub enum CliError {
    /// A flag without its value.
    NeedsValue(String),
    NotAPort(String),
    Unknown(String),
    /// `--config`'s knobs were refused.
    Config(ConfigError),
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::NeedsValue(flag) => write!(f, "{flag} needs a value"),
            CliError::NotAPort(text) => write!(f, "not a port number: {text}"),
            CliError::Unknown(arg) => write!(f, "unknown argument: {arg}"),
            CliError::Config(e) => write!(f, "--config: {e}"),
        }
    }
}

impl std::error::Error for CliError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Options {
        match parse(args.iter().map(|s| s.to_string())).unwrap() {
            Command::Run(options) => *options,
            Command::Help => panic!("help"),
        }
    }

    #[test]
    fn defaults() {
        let o = run(&[]);
        assert_eq!((o.api_port, o.page_port), (8787, 8080));
        assert!(o.dist.is_none());
        assert_eq!(o.config, Config::default());
    }

    #[test]
    fn flags() {
        let o = run(&[
            "--api-port",
            "0",
            "--page-port=0",
            "--dist",
            "dist",
            "--no-cors",
            "--config",
            r#"{"cors":"*","aurora":{"latency_ms":7}}"#,
        ]);
        assert_eq!((o.api_port, o.page_port), (0, 0));
        assert_eq!(o.dist, Some(PathBuf::from("dist")));
        assert_eq!(o.config.cors, Cors::Off, "--no-cors wins over --config");
        assert_eq!(o.config.aurora.faults.latency_ms, 7);
    }

    #[test]
    fn errors() {
        let err = |args: &[&str]| parse(args.iter().map(|s| s.to_string())).err().unwrap();
        assert!(matches!(err(&["--api-port"]), CliError::NeedsValue(f) if f == "--api-port"));
        assert!(matches!(err(&["--api-port", "x"]), CliError::NotAPort(t) if t == "x"));
        assert_eq!(err(&["--bogus"]).to_string(), "unknown argument: --bogus");
        let config = err(&["--config", r#"{"mumara":{"rate_window_ms":0}}"#]);
        assert_eq!(
            config.to_string(),
            "--config: mumara.rate_window_ms must be at least 1"
        );
        assert!(matches!(parse(["-h".to_string()]), Ok(Command::Help)));
    }
}
