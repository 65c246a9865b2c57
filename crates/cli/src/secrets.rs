//! Secrets never come from the command line: an argument stays in the shell's history and
//! in every other user's process list. They come from the environment, a prompt without
//! echo on a terminal, or one line of standard input (`--password-stdin`).

use std::ffi::OsString;
use std::io::{BufRead, IsTerminal};

use roster_core::targets::send::Secrets;
use roster_core::targets::CredentialField;

/// What to tell someone who typed a secret as an argument.
pub const HOW: &str = "Pass it in the environment (ROSTER_PASSWORD, ROSTER_API_KEY, ROSTER_TOKEN, or ROSTER_CREDENTIAL_<ID> for a profile's own credential), type it at the prompt on a terminal, or pipe it with --password-stdin.";

/// Options that would carry a secret: refused, whatever their value.
const SECRET_OPTIONS: &[&str] = &[
    "--password",
    "--pass",
    "--passwd",
    "--api-key",
    "--apikey",
    "--api_key",
    "--key",
    "--token",
    "--access-token",
    "--access_token",
    "--secret",
    "--private-token",
];

/// The first argument that carries a secret (`--password x`, `--password=x`), by its
/// option name; checked before the arguments are parsed, so nothing else happens.
pub fn secret_argument(args: &[OsString]) -> Option<String> {
    for arg in args.iter().skip(1) {
        let Some(arg) = arg.to_str() else { continue };
        if arg == "--" {
            return None;
        }
        let name = arg.split_once('=').map_or(arg, |(name, _)| name);
        if SECRET_OPTIONS.contains(&name.to_ascii_lowercase().as_str()) {
            return Some(name.to_owned());
        }
    }
    None
}

/// The environment variable a credential is read from first.
pub fn env_name(id: &str) -> String {
    match id {
        "password" => "ROSTER_PASSWORD".into(),
        "api_key" => "ROSTER_API_KEY".into(),
        "access_token" => "ROSTER_TOKEN".into(),
        other => general_env_name(other),
    }
}

/// `ROSTER_CREDENTIAL_<ID>`: any credential, a profile's own included.
pub fn general_env_name(id: &str) -> String {
    let id: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("ROSTER_CREDENTIAL_{id}")
}

/// Where the secrets come from, besides the environment.
pub struct Sources<'a> {
    pub login: Option<&'a str>,
    /// `--credential id=value`: credentials that are not secrets.
    pub shown: &'a [(String, String)],
    pub stdin: bool,
    /// Whether a prompt may be shown (a terminal on both ends).
    pub prompt: bool,
}

/// Why the secrets could not be gathered.
#[derive(Debug)]
pub enum Problem {
    /// `--credential` named a secret credential.
    SecretArgument(String),
    Unknown(String),
    Stdin(String),
}

/// The credentials a target declares, filled from the sources in order: an argument (for
/// credentials that are not secrets), the environment, standard input (the first secret
/// still missing), a prompt, the target's initial value.
/// A prompt asks only while `complete` says the target still lacks something (Synapse
/// takes a password or an access token, not both).
pub fn gather(
    fields: &[CredentialField],
    sources: &Sources<'_>,
    complete: impl Fn(&Secrets) -> bool,
) -> Result<Secrets, Problem> {
    for (id, _) in sources.shown {
        match fields.iter().find(|f| &f.id == id) {
            Some(f) if f.secret => return Err(Problem::SecretArgument(id.clone())),
            Some(_) => {}
            None => return Err(Problem::Unknown(id.clone())),
        }
    }
    let mut secrets = Secrets::new();
    let mut stdin_left = sources.stdin;
    for field in fields {
        let mut value: Option<String> = None;
        if !field.secret {
            if field.id == "login" {
                value = sources.login.map(str::to_owned);
            }
            if let Some((_, v)) = sources.shown.iter().find(|(id, _)| id == &field.id) {
                value = Some(v.clone());
            }
        }
        if value.is_none() {
            value = std::env::var(env_name(&field.id))
                .ok()
                .or_else(|| std::env::var(general_env_name(&field.id)).ok())
                .filter(|v| !v.is_empty());
        }
        if value.is_none() && field.secret && stdin_left {
            stdin_left = false;
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| Problem::Stdin(e.to_string()))?;
            let line = line.strip_suffix('\n').unwrap_or(&line);
            let line = line.strip_suffix('\r').unwrap_or(line);
            value = Some(line.to_owned());
        }
        if value.is_none() && field.secret && sources.prompt && !complete(&secrets) {
            value = rpassword::prompt_password(format!("{}: ", field.label))
                .ok()
                .filter(|v| !v.is_empty());
        }
        let value = value.unwrap_or_else(|| field.initial.clone());
        let value = if field.exact {
            value
        } else {
            value.trim().to_owned()
        };
        if !value.is_empty() {
            secrets.set(&field.id, value, field.secret);
        }
    }
    Ok(secrets)
}

/// Whether a prompt can be shown and answered.
pub fn can_prompt() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn a_secret_argument_is_found_in_either_spelling() {
        assert_eq!(
            secret_argument(&args(&["roster", "import", "f.csv", "--password", "x"])),
            Some("--password".into())
        );
        assert_eq!(
            secret_argument(&args(&["roster", "import", "--api-key=k"])),
            Some("--api-key".into())
        );
        assert_eq!(
            secret_argument(&args(&["roster", "import", "--Token=k"])),
            Some("--Token".into())
        );
        assert_eq!(
            secret_argument(&args(&["roster", "import", "--password-stdin"])),
            None
        );
        assert_eq!(
            secret_argument(&args(&["roster", "import", "--", "--password"])),
            None
        );
    }

    #[test]
    fn env_names_follow_the_credential_id() {
        assert_eq!(env_name("password"), "ROSTER_PASSWORD");
        assert_eq!(env_name("access_token"), "ROSTER_TOKEN");
        assert_eq!(env_name("tenant-secret"), "ROSTER_CREDENTIAL_TENANT_SECRET");
    }
}
