//! The command line, parsed by hand.

use std::path::PathBuf;

use crate::config::{Config, Cors};
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
pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Command, String> {
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
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--api-port" => options.api_port = port(&value("--api-port")?)?,
            "--page-port" => options.page_port = port(&value("--page-port")?)?,
            "--dist" => options.dist = Some(PathBuf::from(value("--dist")?)),
            "--config" => {
                config = Some(
                    Config::from_arg(&value("--config")?).map_err(|e| format!("--config: {e}"))?,
                )
            }
            "--no-cors" => no_cors = true,
            "--quiet" => options.log = false,
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    options.config = config.unwrap_or_default();
    if no_cors {
        options.config.cors = Cors::Off;
    }
    Ok(Command::Run(Box::new(options)))
}

fn port(text: &str) -> Result<u16, String> {
    text.parse()
        .map_err(|_| format!("not a port number: {text}"))
}

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
        assert_eq!(o.config.aurora.latency_ms, 7);
    }

    #[test]
    fn errors() {
        assert!(parse(["--api-port".to_string()]).is_err());
        assert!(parse(["--api-port".to_string(), "x".to_string()]).is_err());
        assert!(parse(["--bogus".to_string()]).is_err());
        assert!(matches!(parse(["-h".to_string()]), Ok(Command::Help)));
    }
}
