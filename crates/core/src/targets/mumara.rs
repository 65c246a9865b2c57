//! Mumara Campaigns' `POST <base>/api/addUser` (see `shared/protocols/mumara.md`).
//!
//! A JSON body and `Authorization: Bearer <API key>` on every request: there is no login.
//! The key's rate limit (60 requests per minute by default) answers 429 with `Retry-After`.

use serde_json::{json, Map, Value};

use super::send::{LoginError, LoginStep, Outcome, RetryAfter, Secrets, Session, StopKind, Target};
use super::{
    post_for_json, setting, BuildError, CredentialField, Kind, Setting, Settings, TargetId,
};
use crate::http::{json_in, Body, Exchange, HttpRequest, HttpResponse};
use crate::input::field::{Field, UserRow};
use crate::input::spec::FieldSpec;
use crate::input::validate::timezone_problem;

/// Values for fields no column provides.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MumaraDefaults {
    pub package_id: Option<u64>,
    pub timezone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mumara {
    url: String,
    defaults: MumaraDefaults,
}

impl Mumara {
    /// `base` is the installation's URL; a pasted `/api/addUser` is accepted.
    pub fn new(base: &str, defaults: MumaraDefaults) -> Mumara {
        let base = base.trim().trim_end_matches('/');
        let base = base.strip_suffix("/api/addUser").unwrap_or(base);
        Mumara {
            url: format!("{base}/api/addUser"),
            defaults,
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

/// `Retry-After` as Laravel's throttle sends it (delta-seconds), or as an HTTP-date (RFC
/// 9110 allows both; proxies and other frameworks send dates). A date is measured against
/// the answer's own `Date` header when the browser may read it (the server's clock, so a
/// skewed local clock does not matter), else left for the engine to measure against the
/// browser's clock.
pub fn retry_after(response: &HttpResponse) -> Option<RetryAfter> {
    let value = response.header("Retry-After")?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(RetryAfter::Delay(seconds.saturating_mul(1000)));
    }
    let at = unix_ms(value)?;
    match response.header("Date").and_then(unix_ms) {
        Some(now) => Some(RetryAfter::Delay(at.saturating_sub(now))),
        None => Some(RetryAfter::At(at)),
    }
}

/// An HTTP-date (IMF-fixdate, RFC 850 or asctime) as Unix milliseconds.
fn unix_ms(date: &str) -> Option<u64> {
    let time = httpdate::parse_http_date(date.trim()).ok()?;
    let since = time.duration_since(std::time::UNIX_EPOCH).ok()?;
    u64::try_from(since.as_millis()).ok()
}

/// Field names of addUser, as the 422 `errors` map and the field messages name them.
fn field_of(name: &str) -> Option<Field> {
    Some(match name {
        "email" => Field::Email,
        "password" => Field::Password,
        "name" => Field::Name,
        "package_id" | "package" => Field::PackageId,
        "timezone" | "time_zone" => Field::Timezone,
        "login_ips" => Field::LoginIps,
        _ => return None,
    })
}

/// Whether a message says the address is taken: Laravel's `unique` rule ("The email has
/// already been taken.") or Mumara's own "Error: User already exists.".
fn says_taken(text: &str) -> bool {
    let lower = text.to_lowercase();
    lower.contains("already been taken") || lower.contains("already exists")
}

/// A `status: error` message as compared: trimmed, lower-cased, without a leading
/// `Error:` and the full stops or exclamation marks at its end.
fn normalized(text: &str) -> String {
    let lower = text.trim().to_lowercase();
    let bare = lower.strip_prefix("error:").unwrap_or(&lower);
    bare.trim()
        .trim_end_matches(['.', '!'])
        .trim_end()
        .to_owned()
}

/// Whether a whole `status: error` message says the key was refused, as the protocol
/// notes name it ("an invalid or expired key: an error answer (expect 401 or a
/// `status: error` body)"): Laravel's `Unauthenticated.`, or an invalid or expired key
/// or token. Only the whole message counts: a row's message that merely contains
/// "token" (`Field 'token_limit' is invalid`) belongs to its row.
fn names_the_key(text: &str) -> bool {
    let said = normalized(text);
    if matches!(
        said.as_str(),
        "unauthenticated" | "unauthorized" | "unauthorised"
    ) {
        return true;
    }
    let words: Vec<&str> = said.split_whitespace().collect();
    let key = |w: &str| matches!(w, "key" | "token" | "api_key" | "api_token" | "apikey");
    let bad = |w: &str| matches!(w, "invalid" | "expired");
    match words.as_slice() {
        // "Invalid API token", "Expired key", "Invalid token".
        [b, "api", k] | [b, k] if bad(b) && key(k) => true,
        // "API key expired", "Token is invalid", "The API token is invalid".
        ["api", k, b]
        | [k, b]
        | [k, "is", b]
        | ["api", k, "is", b]
        | ["the", "api", k, "is", b]
            if key(k) && bad(b) =>
        {
            true
        }
        _ => false,
    }
}

/// Whether a whole `status: error` message says the licence's user cap is reached (the
/// protocol notes: "Licences cap the number of users; a run that hits the cap fails every
/// following row the same way: stop"): `User limit reached for your license.` Only the
/// whole message counts: a name or a field that contains "limit" or "licence" is the
/// row's business.
fn says_licence_cap(text: &str) -> bool {
    matches!(
        normalized(text).as_str(),
        "user limit reached for your license"
            | "user limit reached for your licence"
            | "user limit reached"
            | "license limit reached"
            | "licence limit reached"
    )
}

/// The messages of one field of an error map, joined.
fn messages(value: &Value) -> String {
    match value {
        Value::Array(list) => list
            .iter()
            .map(|m| m.as_str().map_or_else(|| m.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(" "),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Reads a field-error map (Mumara's `result` object, or Laravel's 422 `errors`): the
/// address taken means the account exists; anything else refuses the row and names the
/// fields.
fn field_errors_outcome(errors: &Map<String, Value>, code: Option<i64>) -> Outcome {
    if let Some(taken) = errors
        .iter()
        .find(|(f, m)| field_of(f) == Some(Field::Email) && says_taken(&messages(m)))
    {
        return Outcome::Exists {
            code,
            message: format!("{}: {}", taken.0, messages(taken.1)),
        };
    }
    Outcome::Rejected {
        code,
        message: field_errors(errors),
        field: errors.keys().find_map(|f| field_of(f)),
    }
}

/// Joins a field-error object into one line: `email: Error: …; name: Error: …`.
fn field_errors(errors: &Map<String, Value>) -> String {
    errors
        .iter()
        .map(|(field, messages)| format!("{field}: {}", self::messages(messages)))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Target for Mumara {
    fn id(&self) -> TargetId {
        TargetId::builtin("mumara")
    }

    fn name(&self) -> &str {
        "Mumara"
    }

    fn required(&self) -> Vec<Field> {
        let mut fields = vec![Field::Email, Field::Password, Field::Name];
        if self.defaults.package_id.is_none() {
            fields.push(Field::PackageId);
        }
        fields
    }

    fn login(&self, secrets: &Secrets) -> LoginStep {
        LoginStep::Ready(Session::new(secrets.get("api_key").trim()))
    }

    fn read_login(&self, _: &Exchange) -> Result<Session, LoginError> {
        Err(LoginError::new(
            StopKind::NotTheApi,
            "Mumara has no login step: the API key goes on every request.",
        ))
    }

    fn create(&self, session: &Session, row: &UserRow) -> HttpRequest {
        let mut body = json!({
            "name": row.name.clone().unwrap_or_default(),
            "email": row.email,
            "password": row.password,
            "package_id": row.package_id.or(self.defaults.package_id),
            "response": 1,
        });
        let timezone = row
            .timezone
            .clone()
            .or_else(|| self.defaults.timezone.clone());
        if let Some(tz) = timezone {
            body["timezone"] = json!(tz);
        }
        if let Some(ips) = &row.login_ips {
            body["login_ips"] = json!(ips);
        }
        HttpRequest {
            method: crate::http::Method::Post,
            url: self.url.clone(),
            headers: vec![
                ("Authorization".into(), format!("Bearer {}", session.bearer)),
                ("Accept".into(), "application/json".into()),
            ],
            body: Body::Json(body.to_string()),
        }
    }

    fn read_create(&self, exchange: &Exchange) -> Outcome {
        let response = match exchange {
            Exchange::Answered(r) => r,
            Exchange::NoAnswer { detail } => {
                return Outcome::Transient {
                    code: None,
                    message: format!(
                        "No answer ({detail}): the account may or may not have been created."
                    ),
                    ambiguous: true,
                }
            }
            // Laravel's auth middleware sends a request it does not treat as an API call
            // to the login page, before any controller runs: nothing was created. The
            // redirect is not followed; where it leads is known only when a plain GET of
            // the same address is redirected there too.
            Exchange::Redirected { location: Some(to) }
                if to.trim_end_matches('/').to_lowercase().ends_with("/login") =>
            {
                return Outcome::Fatal {
                    kind: StopKind::CredentialsRefused,
                    code: None,
                    message: format!("Stopped: the server redirected the request to its login page ({to}). The API key was not accepted, or the request was not treated as an API call. The redirect was not followed."),
                    ambiguous: false,
                };
            }
            Exchange::Redirected { location } => {
                let mut outcome = super::send::redirected_create(location.as_deref(), true);
                if let Outcome::Fatal { message, .. } = &mut outcome {
                    message.push_str(" Mumara's Laravel sends a request to its login page when it refuses the API key or does not treat the request as an API call.");
                }
                return outcome;
            }
            Exchange::NotSent { reason } => return super::send::create_not_sent(reason),
        };
        let status = response.status;
        let code = Some(i64::from(status));
        let refused = |kind: StopKind, message: String| Outcome::Fatal {
            kind,
            code,
            message,
            ambiguous: false,
        };
        match status {
            429 => {
                return Outcome::RateLimited {
                    retry_after: retry_after(response),
                    message: "Rate limited by the server (HTTP 429): waiting, then sending again."
                        .into(),
                }
            }
            401 => {
                return refused(
                    StopKind::CredentialsRefused,
                    "Stopped: the API key was refused (HTTP 401). Check that it is right and has not expired.".into(),
                )
            }
            403 => {
                return refused(
                    StopKind::AccessDenied,
                    "Stopped: access denied (HTTP 403). The key's role may lack permission to add users, or this computer's IP is not among the key's allowed IPs.".into(),
                )
            }
            419 => {
                return refused(
                    StopKind::NotTheApi,
                    format!("Stopped: HTTP 419 (page expired: CSRF token mismatch). The server treated the request as a browser form, not an API call: is the Server URL the Mumara installation's base address? ({})", self.url),
                )
            }
            // The controller may have stored the user before the error page.
            s if s >= 500 => {
                return Outcome::Transient {
                    code,
                    message: format!(
                        "HTTP {s} from the server ({}): the account may or may not have been created.",
                        response.snippet()
                    ),
                    ambiguous: true,
                }
            }
            _ => {}
        }
        let is_answer = |v: &Value| {
            v.get("status").is_some() || v.get("errors").is_some() || v.get("message").is_some()
        };
        let Some((value, _)) = json_in(&response.body, is_answer) else {
            if (200..300).contains(&status) {
                return Outcome::Unreadable {
                    code,
                    message: format!(
                        "HTTP {status} with an answer that is not Mumara's JSON ({}). Is the Server URL the Mumara installation's address? ({})",
                        response.snippet(),
                        self.url
                    ),
                };
            }
            return refused(
                StopKind::NotTheApi,
                format!(
                    "Stopped: HTTP {status} with an answer that is not JSON. Is the Server URL the Mumara installation's address? ({})",
                    self.url
                ),
            );
        };
        // Laravel's validation failure: {"message": "...", "errors": {field: [..]}}.
        if status == 422 {
            if let Some(Value::Object(errors)) = value.get("errors") {
                return field_errors_outcome(errors, code);
            }
        }
        let state = value.get("status").and_then(Value::as_str).unwrap_or("");
        if state.eq_ignore_ascii_case("success") && (200..300).contains(&status) {
            let id = value
                .get("response")
                .and_then(|r| r.get("id"))
                .and_then(|id| match id {
                    Value::Number(n) => Some(n.to_string()),
                    Value::String(s) => Some(s.clone()),
                    _ => None,
                });
            return Outcome::Created { target_id: id };
        }
        if !state.eq_ignore_ascii_case("error") {
            let said = value
                .get("message")
                .and_then(Value::as_str)
                .map_or_else(String::new, |m| format!(" ({m})"));
            if (200..300).contains(&status) {
                return Outcome::Unreadable {
                    code,
                    message: format!(
                        "HTTP {status} with an answer that is neither success nor error{said}: the account may or may not have been created."
                    ),
                };
            }
            return refused(
                StopKind::NotTheApi,
                format!(
                    "Stopped: HTTP {status} with an answer that is neither success nor error{said}. Is the Server URL right? ({})",
                    self.url
                ),
            );
        }
        match value.get("result") {
            Some(Value::Object(errors)) => field_errors_outcome(errors, None),
            Some(Value::String(text)) => {
                let lower = text.to_lowercase();
                if says_taken(text) {
                    Outcome::Exists {
                        code: None,
                        message: text.clone(),
                    }
                } else if names_the_key(text) {
                    refused(
                        StopKind::CredentialsRefused,
                        format!("Stopped: the server refused the API key: {text}"),
                    )
                } else if says_licence_cap(text) {
                    refused(
                        StopKind::Limit,
                        format!("Stopped: {text} Every following row would fail the same way."),
                    )
                } else {
                    Outcome::Rejected {
                        code: None,
                        message: text.clone(),
                        // "Package doesn`t exsit": every row on the same package fails.
                        field: lower.contains("package").then_some(Field::PackageId),
                    }
                }
            }
            other => Outcome::Rejected {
                code: None,
                field: None,
                message: format!(
                    "The server answered an error: {}",
                    other.map_or_else(|| "(no detail)".to_owned(), Value::to_string)
                ),
            },
        }
    }

    /// Laravel's throttle middleware states the key's limit on every answer.
    fn stated_rate_limit(&self, exchange: &Exchange) -> Option<u32> {
        let Exchange::Answered(response) = exchange else {
            return None;
        };
        response
            .header("X-RateLimit-Limit")?
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|&l| l > 0)
    }
}

/// Mumara as a kind of target: an API key, a default package and timezone, and the
/// key's 60 requests a minute.
#[derive(Debug)]
pub struct MumaraKind;

impl Kind for MumaraKind {
    fn id(&self) -> &str {
        "mumara"
    }

    fn name(&self) -> &str {
        "Mumara"
    }

    fn server_placeholder(&self) -> &str {
        "https://mumara.example.com"
    }

    fn no_update(&self) -> String {
        // The protocol notes (the add-user API) document no update of a user.
        "Mumara's API documents no way to update an existing user, so Existing accounts cannot be Update for Mumara: Skip or Stop at the first.".into()
    }

    fn credentials(&self) -> Vec<CredentialField> {
        vec![CredentialField::new("api_key", "API key")]
    }

    fn missing_credentials(&self, secrets: &Secrets) -> Option<String> {
        (!secrets.filled("api_key"))
            .then(|| "Enter the Mumara API key (Settings → API Keys).".into())
    }

    fn settings(&self) -> Vec<Setting> {
        vec![
            Setting {
                id: "package_id".into(),
                label: "Package ID".into(),
                placeholder: "for rows without a package_id column".into(),
                numeric: true,
                affects_rows: true,
                hint: String::new(),
            },
            Setting {
                id: "timezone".into(),
                label: "Timezone".into(),
                placeholder: "e.g. +05:00 (Mumara's default is 00:00)".into(),
                numeric: false,
                affects_rows: false,
                hint: String::new(),
            },
        ]
    }

    /// Mumara's fields: a name (or a first and a last name joined into it), the
    /// address and password, the package (unless typed in the form), a timezone and the
    /// IP addresses allowed to sign in.
    fn field_specs(&self) -> Vec<FieldSpec> {
        vec![
            FieldSpec::required(Field::Name),
            FieldSpec::builtin(Field::FirstName),
            FieldSpec::builtin(Field::LastName),
            FieldSpec::required(Field::Email),
            FieldSpec::required(Field::Password),
            FieldSpec::builtin(Field::PackageId),
            FieldSpec::builtin(Field::Timezone),
            FieldSpec::builtin(Field::LoginIps),
        ]
    }

    /// Mumara keys allow 60 requests a minute unless set otherwise (see
    /// `shared/protocols/mumara.md`).
    fn default_rate(&self) -> Option<u32> {
        Some(60)
    }

    fn api_url(&self, server_url: &str) -> String {
        Mumara::new(server_url, MumaraDefaults::default())
            .url()
            .to_owned()
    }

    /// An empty `addUser` with no key: answered 401 by Mumara itself.
    fn probe(&self, server_url: &str, _settings: &Settings) -> HttpRequest {
        post_for_json(self.api_url(server_url), Body::Json("{}".into()))
    }

    fn web_root(&self) -> String {
        "the Mumara web root (its public/ folder)".into()
    }

    fn server_url_hint(&self) -> String {
        "The Server URL must be the Mumara installation's address, e.g. https://mumara.example.com; Roster adds /api/addUser itself.".into()
    }

    fn build(&self, server_url: &str, settings: &Settings) -> Result<Box<dyn Target>, BuildError> {
        let package_id = match setting(settings, "package_id") {
            None => None,
            Some(package) => match package.parse::<u64>() {
                Ok(id) if id > 0 => Some(id),
                _ => {
                    return Err(BuildError::NotPositive {
                        label: "Package ID".into(),
                        value: package,
                    })
                }
            },
        };
        let timezone = setting(settings, "timezone");
        if let Some(problem) = timezone.as_deref().and_then(timezone_problem) {
            return Err(BuildError::Invalid {
                label: "Timezone".into(),
                problem,
            });
        }
        Ok(Box::new(Mumara::new(
            server_url,
            MumaraDefaults {
                package_id,
                timezone,
            },
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Exchange {
        Exchange::Answered(HttpResponse {
            status,
            headers: vec![],
            body: body.into(),
        })
    }

    fn target() -> Mumara {
        Mumara::new(
            "https://m.example.com/",
            MumaraDefaults {
                package_id: Some(1),
                timezone: Some("+05:00".into()),
            },
        )
    }

    #[test]
    fn url_forms() {
        assert_eq!(target().url(), "https://m.example.com/api/addUser");
        assert_eq!(
            Mumara::new("http://h/api/addUser", MumaraDefaults::default()).url(),
            "http://h/api/addUser"
        );
    }

    #[test]
    fn request_is_json_with_bearer_key_and_every_field() {
        let t = target();
        let LoginStep::Ready(session) = t.login(&Secrets::new().with("api_key", " KEY ")) else {
            panic!("no login for Mumara")
        };
        let row = UserRow {
            email: "d@x.y".into(),
            password: "secret789".into(),
            name: Some("David Seagal".into()),
            login_ips: Some("192.168.1.1,192.168.1.2".into()),
            ..Default::default()
        };
        let req = t.create(&session, &row);
        assert_eq!(req.url, "https://m.example.com/api/addUser");
        assert_eq!(
            req.headers[0],
            ("Authorization".into(), "Bearer KEY".into())
        );
        assert!(!req.url.contains("KEY"), "the key never goes into a URL");
        let Body::Json(text) = &req.body else {
            panic!("JSON body")
        };
        let body: Value = serde_json::from_str(text).unwrap();
        assert_eq!(
            body,
            json!({"name":"David Seagal","email":"d@x.y","password":"secret789","package_id":1,
                   "timezone":"+05:00","login_ips":"192.168.1.1,192.168.1.2","response":1})
        );
        assert_eq!(req.body.content_type(), "application/json");
    }

    #[test]
    fn row_values_beat_defaults() {
        let row = UserRow {
            email: "e@x.y".into(),
            password: "p".into(),
            name: Some("E".into()),
            package_id: Some(3),
            timezone: Some("-03:30".into()),
            ..Default::default()
        };
        let req = target().create(&Session::new("k"), &row);
        let Body::Json(text) = &req.body else {
            panic!()
        };
        let body: Value = serde_json::from_str(text).unwrap();
        assert_eq!(body["package_id"], json!(3));
        assert_eq!(body["timezone"], json!("-03:30"));
    }

    #[test]
    fn required_fields_depend_on_defaults() {
        assert!(!target().required().contains(&Field::PackageId));
        assert!(Mumara::new("http://h", MumaraDefaults::default())
            .required()
            .contains(&Field::PackageId));
    }

    #[test]
    fn answers() {
        let t = target();
        let read = |status: u16, body: &str| t.read_create(&answer(status, body));
        assert_eq!(
            read(
                200,
                r#"{"status":"success","result":"User has been successfully created.","response":{"user_id":2,"id":24}}"#
            ),
            Outcome::Created {
                target_id: Some("24".into())
            }
        );
        assert_eq!(
            read(200, r#"{"status":"Success","result":"ok"}"#),
            Outcome::Created { target_id: None }
        );
        assert!(matches!(
            read(
                200,
                r#"{"status":"error","result":"Error: User already exists."}"#
            ),
            Outcome::Exists { .. }
        ));
        assert!(matches!(
            read(
                200,
                r#"{"status":"Error","result":"Error: User already exists."}"#
            ),
            Outcome::Exists { .. }
        ));
        assert_eq!(
            read(200, r#"{"status":"error","result":{"email":["Error: Missing required parameter, email"],"name":["Error: Missing required parameter, name"]}}"#),
            Outcome::Rejected {
                code: None,
                message: "email: Error: Missing required parameter, email; name: Error: Missing required parameter, name".into(),
                field: Some(Field::Email),
            }
        );
        assert!(matches!(
            read(
                200,
                "{\"status\":\"error\",\"result\":\"Error: Package doesn`t exsit\"}"
            ),
            Outcome::Rejected { .. }
        ));
        assert!(matches!(
            read(
                200,
                r#"{"status":"error","result":"Error: User limit reached for your license."}"#
            ),
            Outcome::Fatal { .. }
        ));
        assert!(matches!(
            read(401, r#"{"status":"error","result":"Unauthenticated."}"#),
            Outcome::Fatal {
                code: Some(401),
                ..
            }
        ));
        assert!(matches!(
            read(403, "{}"),
            Outcome::Fatal {
                code: Some(403),
                ..
            }
        ));
        for s in [500, 502, 503, 504] {
            assert!(
                matches!(
                    read(s, "<!DOCTYPE html><html><title>Server Error</title></html>"),
                    Outcome::Transient {
                        ambiguous: true,
                        ..
                    }
                ),
                "{s}"
            );
        }
        assert!(matches!(
            read(404, "<html>"),
            Outcome::Fatal {
                kind: StopKind::NotTheApi,
                ..
            }
        ));
        assert!(matches!(read(200, "<html>"), Outcome::Unreadable { .. }));
        assert!(matches!(
            t.read_create(&Exchange::NoAnswer {
                detail: "Failed to fetch".into()
            }),
            Outcome::Transient {
                ambiguous: true,
                ..
            }
        ));
    }

    #[test]
    fn rate_limit_reads_retry_after_in_seconds_or_as_a_date() {
        let t = target();
        let limited = |headers: &[(&str, &str)]| {
            let mut r = HttpResponse::new(429, r#"{"message":"Too Many Attempts."}"#);
            for (n, v) in headers {
                r = r.with_header(n, v);
            }
            t.read_create(&Exchange::Answered(r))
        };
        let retry = |o: Outcome| match o {
            Outcome::RateLimited { retry_after, .. } => retry_after,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            retry(limited(&[("retry-after", "7")])),
            Some(RetryAfter::Delay(7000))
        );
        assert_eq!(retry(limited(&[])), None);
        // A date, measured against the server's own Date header.
        assert_eq!(
            retry(limited(&[
                ("Retry-After", "Tue, 01 Dec 2026 07:00:30 GMT"),
                ("Date", "Tue, 01 Dec 2026 07:00:05 GMT"),
            ])),
            Some(RetryAfter::Delay(25_000))
        );
        // A date with no Date header the browser may read: the engine measures it.
        assert_eq!(
            retry(limited(&[("Retry-After", "Tue, 01 Dec 2026 07:00:30 GMT")])),
            Some(RetryAfter::At(1_796_108_430_000))
        );
        assert_eq!(retry(limited(&[("Retry-After", "soon")])), None);
    }

    #[test]
    fn the_stated_limit_is_read_from_laravels_headers() {
        let t = target();
        let ok = HttpResponse::new(200, r#"{"status":"success","result":"ok"}"#)
            .with_header("X-RateLimit-Limit", "120")
            .with_header("X-RateLimit-Remaining", "119");
        assert_eq!(t.stated_rate_limit(&Exchange::Answered(ok)), Some(120));
        assert_eq!(
            t.stated_rate_limit(&Exchange::Answered(HttpResponse::new(200, "{}"))),
            None
        );
        assert_eq!(
            t.stated_rate_limit(&Exchange::NoAnswer { detail: "x".into() }),
            None
        );
    }

    /// Laravel's validation failure (FormRequest / `$request->validate`): 422 with
    /// `message` and an `errors` map of field → messages.
    #[test]
    fn laravel_422_taken_is_exists_and_anything_else_names_the_field() {
        let t = target();
        let read = |body: &str| t.read_create(&answer(422, body));
        assert!(matches!(
            read(
                r#"{"message":"The given data was invalid.","errors":{"email":["The email has already been taken."]}}"#
            ),
            Outcome::Exists { .. }
        ));
        assert!(matches!(
            read(
                r#"{"message":"The email has already been taken.","errors":{"email":["The email has already been taken."]}}"#
            ),
            Outcome::Exists { .. }
        ));
        assert_eq!(
            read(
                r#"{"message":"The selected package id is invalid.","errors":{"package_id":["The selected package id is invalid."]}}"#
            ),
            Outcome::Rejected {
                code: Some(422),
                message: "package_id: The selected package id is invalid.".into(),
                field: Some(Field::PackageId),
            }
        );
        // "taken" on another field is not the account existing.
        assert!(matches!(
            read(r#"{"message":"x","errors":{"name":["The name has already been taken."]}}"#),
            Outcome::Rejected {
                field: Some(Field::Name),
                ..
            }
        ));
    }

    #[test]
    fn refused_keys_in_every_form_stop_the_run() {
        let t = target();
        let kind = |o: Outcome| match o {
            Outcome::Fatal {
                kind,
                ambiguous: false,
                ..
            } => kind,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            kind(t.read_create(&answer(401, r#"{"message":"Unauthenticated."}"#))),
            StopKind::CredentialsRefused
        );
        assert_eq!(
            kind(t.read_create(&answer(
                403,
                r#"{"message":"This action is unauthorized."}"#
            ))),
            StopKind::AccessDenied
        );
        assert_eq!(
            kind(t.read_create(&answer(
                200,
                r#"{"status":"error","result":"Invalid API token."}"#
            ))),
            StopKind::CredentialsRefused
        );
        assert_eq!(
            kind(t.read_create(&answer(419, r#"{"message":"CSRF token mismatch."}"#))),
            StopKind::NotTheApi
        );
        // A 302 to the login page (not followed): the key was refused, nothing created.
        let login = t.read_create(&Exchange::redirected(Some("https://m.example.com/login")));
        assert_eq!(kind(login.clone()), StopKind::CredentialsRefused);
        assert!(
            matches!(login, Outcome::Fatal { ambiguous: false, ref message, .. } if message.contains("https://m.example.com/login"))
        );
    }

    /// Issue 20: only the messages the protocol notes name stop the run; a row's own
    /// message that contains "token", "licen" or "limit" rejects that row alone.
    #[test]
    fn only_the_documented_messages_stop_the_run() {
        let t = target();
        let said = |text: &str| {
            t.read_create(&answer(
                200,
                &serde_json::json!({"status": "error", "result": text}).to_string(),
            ))
        };
        for row_message in [
            "Field 'token_limit' is invalid",
            "Error: Field 'token_limit' is invalid.",
            "Error: The name \"Tom Limit\" is not allowed.",
            "Error: Limited characters allowed in name",
            "Error: Invalid licence_no for this user",
            "Error: The token field must be a string.",
            "Error: password must not contain your API token",
        ] {
            assert_eq!(
                said(row_message),
                Outcome::Rejected {
                    code: None,
                    message: row_message.into(),
                    field: None,
                },
                "{row_message}"
            );
        }
        for (stop, kind) in [
            (
                "Error: User limit reached for your license.",
                StopKind::Limit,
            ),
            ("User limit reached for your licence", StopKind::Limit),
            ("Error: Invalid API token.", StopKind::CredentialsRefused),
            ("Invalid API key", StopKind::CredentialsRefused),
            ("Error: API token expired.", StopKind::CredentialsRefused),
            ("The API token is invalid.", StopKind::CredentialsRefused),
            ("Unauthenticated.", StopKind::CredentialsRefused),
        ] {
            assert!(
                matches!(said(stop), Outcome::Fatal { kind: k, .. } if k == kind),
                "{stop}: {:?}",
                said(stop)
            );
        }
    }

    #[test]
    fn a_redirect_elsewhere_or_to_nowhere_known_stops_and_leaves_the_row_unknown() {
        let t = target();
        for location in [Some("https://m.example.com/api/addUser/"), None] {
            match t.read_create(&Exchange::redirected(location)) {
                Outcome::Fatal {
                    kind: StopKind::NotTheApi,
                    ambiguous: true,
                    message,
                    ..
                } => {
                    assert!(message.contains("not followed"), "{message}");
                    if let Some(to) = location {
                        assert!(message.contains(to), "{message}");
                    } else {
                        assert!(message.contains("does not show where"), "{message}");
                    }
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn unrecognised_errors_reject_the_row_only() {
        let t = target();
        assert_eq!(
            t.read_create(&answer(
                200,
                r#"{"status":"error","result":"Error: Something odd happened."}"#
            )),
            Outcome::Rejected {
                code: None,
                message: "Error: Something odd happened.".into(),
                field: None,
            }
        );
        assert!(matches!(
            t.read_create(&answer(
                200,
                "{\"status\":\"error\",\"result\":\"Error: Package doesn`t exsit\"}"
            )),
            Outcome::Rejected {
                field: Some(Field::PackageId),
                ..
            }
        ));
    }
}
