//! What Start, Check and Dry run check before anything is sent: the engine settings
//! typed in the form, and the connection form turned into a target. Each refusal is a
//! typed error whose `Display` is the sentence the page shows.

use std::fmt;
use std::ops::RangeInclusive;

use crate::run::RunConfig;
use crate::targets::diagnose::is_plain_http;
use crate::targets::send::{Secrets, Target};
use crate::targets::{unsendable, Kind, Settings};

/// One engine setting of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tuning {
    ParallelRequests,
    AttemptsPerRow,
    RequestsPerMinute,
}

impl Tuning {
    /// The setting's label, as the form shows it.
    pub fn label(self) -> &'static str {
        match self {
            Tuning::ParallelRequests => "Parallel requests",
            Tuning::AttemptsPerRow => "Attempts per row",
            Tuning::RequestsPerMinute => "Requests per minute",
        }
    }

    /// The values it accepts.
    pub fn range(self) -> RangeInclusive<u32> {
        match self {
            Tuning::ParallelRequests => 1..=6,
            Tuning::AttemptsPerRow => 1..=10,
            Tuning::RequestsPerMinute => 1..=100_000,
        }
    }

    fn read(self, text: &str) -> Result<u32, TuningError> {
        match text.trim().parse::<u32>() {
            Ok(n) if self.range().contains(&n) => Ok(n),
            _ => Err(TuningError(self)),
        }
    }
}

/// An engine setting that is not a whole number in its range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TuningError(pub Tuning);

impl fmt::Display for TuningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let range = self.0.range();
        write!(
            f,
            "{} must be a whole number from {} to {}.",
            self.0.label(),
            range.start(),
            range.end()
        )
    }
}

impl std::error::Error for TuningError {}

/// The engine settings from the form's text: parallel requests, attempts per row, and
/// requests per minute (empty: unpaced).
pub fn run_config(
    concurrency: &str,
    max_attempts: &str,
    rate_per_min: &str,
) -> Result<RunConfig, TuningError> {
    let concurrency = Tuning::ParallelRequests.read(concurrency)?;
    let max_attempts = Tuning::AttemptsPerRow.read(max_attempts)?;
    let rate_per_min = if rate_per_min.trim().is_empty() {
        None
    } else {
        Some(Tuning::RequestsPerMinute.read(rate_per_min)?)
    };
    Ok(RunConfig {
        concurrency: concurrency as usize,
        max_attempts,
        rate_per_min,
        ..RunConfig::default()
    })
}

/// Why the connection form cannot make a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormError {
    /// The Server URL is empty or starts with neither `https://` nor `http://`.
    NoScheme,
    /// `http://` to another computer, and the admin did not accept sending the secret
    /// unencrypted.
    PlainHttp,
    /// A setting the target does not accept, in the target's words.
    Setting(String),
    /// A credential the target needs is empty, in the target's words.
    MissingCredentials(String),
    /// A value that cannot go into a request (a header), in words.
    Unsendable(String),
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormError::NoScheme => f.write_str(
                "Enter the Server URL, starting with https:// (or http:// for a local server).",
            ),
            FormError::PlainHttp => f.write_str(
                "This Server URL is http:// to another computer: the password (or API key) would cross the network unencrypted. Use https://, or tick \"I understand the password is sent unencrypted\".",
            ),
            FormError::Setting(message)
            | FormError::MissingCredentials(message)
            | FormError::Unsendable(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for FormError {}

/// What the connection form holds.
#[derive(Debug, Clone, Copy)]
pub struct Form<'a> {
    pub kind: &'a dyn Kind,
    /// As typed (it is trimmed here).
    pub server_url: &'a str,
    /// "I understand the password is sent unencrypted" is ticked.
    pub http_ack: bool,
    pub settings: &'a Settings,
    pub secrets: &'a Secrets,
}

/// Checks the connection form and builds its target, or says what is wrong.
pub fn target_for(form: Form<'_>) -> Result<Box<dyn Target>, FormError> {
    let url = form.server_url.trim();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(FormError::NoScheme);
    }
    if is_plain_http(url) && !form.http_ack {
        return Err(FormError::PlainHttp);
    }
    let target = form
        .kind
        .build(form.server_url, form.settings)
        .map_err(FormError::Setting)?;
    if let Some(missing) = form.kind.missing_credentials(form.secrets) {
        return Err(FormError::MissingCredentials(missing));
    }
    if let Some(problem) = unsendable(form.kind, url, form.settings, form.secrets) {
        return Err(FormError::Unsendable(problem));
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::aurora::AuroraKind;

    #[test]
    fn engine_settings_are_whole_numbers_in_range() {
        let config = run_config(" 3 ", "5", "").unwrap();
        assert_eq!(
            (config.concurrency, config.max_attempts, config.rate_per_min),
            (3, 5, None)
        );
        assert_eq!(run_config("2", "1", "600").unwrap().rate_per_min, Some(600));
        let refused = run_config("7", "4", "").unwrap_err();
        assert_eq!(refused, TuningError(Tuning::ParallelRequests));
        assert_eq!(
            refused.to_string(),
            "Parallel requests must be a whole number from 1 to 6."
        );
        assert_eq!(
            run_config("2", "x", "").unwrap_err().to_string(),
            "Attempts per row must be a whole number from 1 to 10."
        );
        assert_eq!(
            run_config("2", "3", "0").unwrap_err(),
            TuningError(Tuning::RequestsPerMinute)
        );
        assert!(run_config("2", "3", "100001").is_err());
    }

    fn form<'a>(url: &'a str, ack: bool, secrets: &'a Secrets, settings: &'a Settings) -> Form<'a> {
        Form {
            kind: &AuroraKind,
            server_url: url,
            http_ack: ack,
            settings,
            secrets,
        }
    }

    #[test]
    fn the_form_is_checked_in_order() {
        let settings = Settings::new();
        let mut secrets = Secrets::default();
        let err =
            |url, ack, secrets: &Secrets| target_for(form(url, ack, secrets, &settings)).err();
        assert_eq!(
            err("mail.example.com", false, &secrets),
            Some(FormError::NoScheme)
        );
        assert_eq!(
            err("http://mail.example.com", false, &secrets),
            Some(FormError::PlainHttp)
        );
        assert!(FormError::PlainHttp.to_string().contains("unencrypted"));
        let missing = err("https://mail.example.com", false, &secrets).unwrap();
        assert!(
            matches!(missing, FormError::MissingCredentials(_)),
            "{missing:?}"
        );
        assert!(missing.to_string().contains("Login and Password"));
        secrets.set("login", "superadmin", false);
        secrets.set("password", "pass\nword", true);
        let bad = err(" https://mail.example.com ", false, &secrets);
        assert!(matches!(bad, Some(FormError::Unsendable(_))), "{bad:?}");
        secrets.set("password", "secret", true);
        assert_eq!(err("http://localhost:8080", false, &secrets), None);
        assert_eq!(err("http://mail.example.com", true, &secrets), None);
    }
}
