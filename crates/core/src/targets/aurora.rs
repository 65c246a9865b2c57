//! Afterlogic Aurora's Web API (see `shared/protocols/aurora.md`).
//!
//! One entry point, `POST <base>/?/Api/`, form-urlencoded `Module`, `Method` and
//! `Parameters` (a JSON string with typed values). Every answer is HTTP 200 with an
//! envelope holding either `Result` or `ErrorCode`; only a PHP fatal error gives a 500.

use serde_json::{json, Value};

use super::send::{
    no_answer_message, LoginError, LoginStep, Outcome, ProbeAnswer, Secrets, Session, StopKind,
    Target,
};
use super::TargetId;
use crate::http::{json_in, Body, Exchange, HttpRequest, HttpResponse};
use crate::input::field::{Field, UserRow};

mod kind;
pub mod listing;
mod update;

pub use kind::{public_id_problem, role_spec, AuroraKind, PUBLIC_ID_RULE};
pub use listing::AuroraCheck;
pub use update::NO_PASSWORDS;

/// Role 2, a normal user, unless the row or the run says otherwise.
pub const DEFAULT_ROLE: u8 = 2;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aurora {
    api_url: String,
}

impl Aurora {
    /// `base` is the installation's URL as the user typed it; a pasted `?/Api/` is accepted.
    pub fn new(base: &str) -> Aurora {
        Aurora {
            api_url: api_url(base),
        }
    }

    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    pub(crate) fn request(
        &self,
        module: &str,
        method: &str,
        parameters: Value,
        token: Option<&str>,
    ) -> HttpRequest {
        HttpRequest {
            method: crate::http::Method::Post,
            url: self.api_url.clone(),
            headers: token
                .map(|t| vec![("Authorization".to_owned(), format!("Bearer {t}"))])
                .unwrap_or_default(),
            body: Body::Form(vec![
                ("Module".into(), module.into()),
                ("Method".into(), method.into()),
                ("Parameters".into(), parameters.to_string()),
            ]),
        }
    }
}

/// `Core.GetUsers`: one page of the accounts whose PublicId contains `search`.
pub fn get_users(aurora: &Aurora, session: &Session, offset: u64, limit: u64) -> HttpRequest {
    aurora.request(
        "Core",
        "GetUsers",
        json!({ "TenantId": 0, "Offset": offset, "Limit": limit, "Search": "" }),
        Some(&session.bearer),
    )
}

/// `Core.GetTenants`.
pub fn get_tenants(aurora: &Aurora, session: &Session) -> HttpRequest {
    aurora.request("Core", "GetTenants", json!({}), Some(&session.bearer))
}

/// `MailDomains.GetDomains` for one tenant (Aurora Corporate only).
pub fn get_domains(aurora: &Aurora, session: &Session, tenant_id: i64) -> HttpRequest {
    aurora.request(
        "MailDomains",
        "GetDomains",
        json!({ "TenantId": tenant_id }),
        Some(&session.bearer),
    )
}

/// Why an answer holds no `Result` (the check says so in these words).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    NoAnswer(String),
    /// Redirected, to where the page could learn.
    Redirected(Option<String>),
    NotSent(String),
    /// Aurora's error envelope: `ErrorCode` and its message.
    Refused {
        code: i64,
        message: Option<String>,
    },
    /// An HTTP status other than 200.
    Status(u16),
    /// Not JSON: the start of what came.
    NotJson(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::NoAnswer(detail) => write!(f, "no answer ({detail})"),
            ReadError::Redirected(location) => {
                f.write_str(&crate::http::redirect_words(location.as_deref()))
            }
            ReadError::NotSent(reason) => write!(f, "not sent: {reason}"),
            ReadError::Refused { code, message } => f.write_str(&describe(*code, message)),
            ReadError::Status(status) => write!(f, "HTTP {status} from the server"),
            ReadError::NotJson(snippet) => write!(
                f,
                "the server answered with something other than JSON ({snippet})"
            ),
        }
    }
}

impl std::error::Error for ReadError {}

/// The `Result` of a successful answer, or why there is none.
pub fn read_result(exchange: &Exchange) -> Result<Value, ReadError> {
    match exchange {
        Exchange::NoAnswer { detail } => Err(ReadError::NoAnswer(detail.clone())),
        Exchange::Redirected { location } => Err(ReadError::Redirected(location.clone())),
        Exchange::NotSent { reason } => Err(ReadError::NotSent(reason.clone())),
        Exchange::Answered(response) => match envelope(response) {
            Read::Envelope(Envelope::Result(value), _) => Ok(value),
            Read::Envelope(Envelope::Error { code, message }, _) => {
                Err(ReadError::Refused { code, message })
            }
            Read::Status(status) => Err(ReadError::Status(status)),
            Read::NotJson => Err(ReadError::NotJson(response.snippet())),
        },
    }
}

/// `https://mail.example.com` → `https://mail.example.com/?/Api/`.
pub fn api_url(base: &str) -> String {
    let base = base.trim();
    let base = base
        .strip_suffix("?/Api/")
        .or_else(|| base.strip_suffix("?/Api"))
        .unwrap_or(base);
    if base.ends_with('/') || base.ends_with(".php") {
        format!("{base}?/Api/")
    } else {
        format!("{base}/?/Api/")
    }
}

/// A parsed envelope: `Result`, or `ErrorCode` with an optional message.
#[derive(Debug, Clone, PartialEq)]
enum Envelope {
    Result(Value),
    Error { code: i64, message: Option<String> },
}

/// What an answer holds, as far as Aurora's envelope goes.
#[derive(Debug, Clone, PartialEq)]
enum Read {
    /// The envelope; `true` when PHP's notices or warnings had to be skipped to find it.
    Envelope(Envelope, bool),
    /// A status other than 200 (Aurora answers everything with 200; a PHP fatal error
    /// gives 500, a proxy or web server anything).
    Status(u16),
    /// HTTP 200 with no envelope in it.
    NotJson,
}

/// Reads an answer's envelope. PHP prints notices, warnings and deprecations into the
/// output when `display_errors` is on, before (or after) the JSON: the envelope is found
/// among them ([`crate::http::json_in`]).
fn envelope(response: &HttpResponse) -> Read {
    if response.status != 200 {
        return Read::Status(response.status);
    }
    let is_envelope = |v: &Value| v.get("Result").is_some() || v.get("ErrorCode").is_some();
    let Some((value, noisy)) = json_in(&response.body, is_envelope) else {
        return Read::NotJson;
    };
    if let Some(result) = value.get("Result") {
        return Read::Envelope(Envelope::Result(result.clone()), noisy);
    }
    match value.get("ErrorCode").and_then(Value::as_i64) {
        Some(code) => Read::Envelope(
            Envelope::Error {
                code,
                message: value
                    .get("ErrorMessage")
                    .and_then(Value::as_str)
                    .filter(|m| !m.is_empty())
                    .map(str::to_owned),
            },
            noisy,
        ),
        None => Read::NotJson,
    }
}

/// The sentence added to a message when PHP's notices had to be skipped.
const NOISY: &str = " (the server printed PHP notices before its answer)";

/// The name and meaning of an Aurora error code, for messages.
pub fn error_name(code: i64) -> &'static str {
    match code {
        101 => "InvalidToken",
        102 => "AuthError",
        103 => "InvalidInputParameter",
        104 => "DataBaseError",
        108 => "AccessDenied",
        111 => "UserAlreadyExists",
        115 => "LicenseLimit",
        116 => "MethodAccessDenied",
        701 => "CanNotCreateAccount",
        704 => "AccountExists",
        4018 => "TenantQuotaExceeded",
        999 => "UnknownError",
        _ => "",
    }
}

fn describe(code: i64, message: &Option<String>) -> String {
    let name = error_name(code);
    match (name, message) {
        ("", Some(m)) => format!("Aurora error {code}: {m}"),
        ("", None) => format!("Aurora error {code}"),
        (n, Some(m)) if m != n => format!("Aurora error {code} {n}: {m}"),
        (n, _) => format!("Aurora error {code} {n}"),
    }
}

impl Target for Aurora {
    fn id(&self) -> TargetId {
        TargetId::builtin("aurora")
    }

    fn name(&self) -> &str {
        "Aurora"
    }

    fn required(&self) -> Vec<Field> {
        vec![Field::Email, Field::Password]
    }

    fn login(&self, secrets: &Secrets) -> LoginStep {
        LoginStep::Request(self.request(
            "AdminAuth",
            "LoginAsSuperadmin",
            json!({ "Login": secrets.get("login"), "Password": secrets.get("password") }),
            None,
        ))
    }

    fn read_login(&self, exchange: &Exchange) -> Result<Session, LoginError> {
        let response = match exchange {
            Exchange::Answered(r) => r,
            Exchange::NoAnswer { detail } => {
                return Err(LoginError::new(
                    StopKind::Unreachable,
                    no_answer_message(&self.api_url, detail),
                )
                .transient())
            }
            Exchange::Redirected { location } => {
                return Err(super::send::redirected_login(
                    &self.api_url,
                    location.as_deref(),
                ))
            }
            Exchange::NotSent { reason } => return Err(super::send::login_not_sent(reason)),
        };
        let envelope = match envelope(response) {
            Read::Envelope(e, _) => e,
            Read::Status(status) if status >= 500 => {
                return Err(LoginError::new(
                    StopKind::ServerFault,
                    format!(
                        "Login failed: HTTP {status} from the server (a server error: {}).",
                        response.snippet()
                    ),
                )
                .code(i64::from(status))
                .transient())
            }
            Read::Status(status) => {
                return Err(LoginError::new(
                    StopKind::NotTheApi,
                    format!("Login failed: HTTP {status} from the server: is the Server URL the Aurora installation's address?"),
                )
                .code(i64::from(status)))
            }
            Read::NotJson => {
                return Err(LoginError::new(
                    StopKind::NotTheApi,
                    "Login failed: the server answered with something other than JSON: is the Server URL the Aurora installation's address?",
                ))
            }
        };
        match envelope {
            Envelope::Result(result) => match result.get("AuthToken") {
                Some(Value::String(token)) if !token.is_empty() => Ok(Session::new(token.clone())),
                Some(Value::Bool(true)) => Err(LoginError::new(
                    StopKind::CredentialsRefused,
                    "Login failed: the server put the token into a cookie instead of answering it \
                     (a proxy may be adding the X-Client header).",
                )),
                _ => Err(LoginError::new(
                    StopKind::NotTheApi,
                    "Login failed: the answer holds no AuthToken.",
                )),
            },
            Envelope::Error { code: 102, .. } => Err(LoginError::new(
                StopKind::CredentialsRefused,
                "Login failed: wrong login or password (Aurora error 102 AuthError).",
            )
            .code(102)),
            Envelope::Error { code: 108, .. } => Err(LoginError::new(
                StopKind::AccessDenied,
                "Login refused: access denied (Aurora error 108). The server may allow the super \
                 administrator only from whitelisted IP addresses.",
            )
            .code(108)),
            Envelope::Error { code: 104, message } => Err(LoginError::new(
                StopKind::ServerFault,
                format!("Login failed: {}.", describe(104, &message)),
            )
            .code(104)
            .transient()),
            Envelope::Error { code, message } => Err(LoginError::new(
                if code == 116 {
                    StopKind::AccessDenied
                } else {
                    StopKind::CredentialsRefused
                },
                format!("Login failed: {}.", describe(code, &message)),
            )
            .code(code)),
        }
    }

    fn create(&self, session: &Session, row: &UserRow) -> HttpRequest {
        let parameters = json!({
            "UserId": 0,
            "TenantId": row.tenant_id.unwrap_or(0),
            "Role": row.role.unwrap_or(DEFAULT_ROLE),
            "WriteSeparateLog": false,
            "Forced": true,
            "PublicId": row.email,
            "DomainId": 0,
            "QuotaBytes": row.quota_mb.unwrap_or(0).saturating_mul(1024 * 1024),
            "Password": row.password,
        });
        self.request("Core", "CreateUser", parameters, Some(&session.bearer))
    }

    fn updates(&self) -> bool {
        true
    }

    fn find_probe(&self, session: &Session, row: &UserRow) -> Option<HttpRequest> {
        Some(update::find(self, session, row))
    }

    fn read_find_for(&self, exchange: &Exchange, row: &UserRow) -> ProbeAnswer {
        update::read_find(self, exchange, row)
    }

    fn update(
        &self,
        session: &Session,
        row: &UserRow,
        found: &Exchange,
        _passwords: bool,
    ) -> Option<HttpRequest> {
        update::update(self, session, row, found)
    }

    fn read_update(&self, exchange: &Exchange) -> Outcome {
        update::read_update(self, exchange)
    }

    fn current_values_for(&self, found: &Exchange, row: &UserRow) -> Option<Vec<(String, String)>> {
        update::current_values(found, row)
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
            Exchange::Redirected { location } => {
                return super::send::redirected_create(location.as_deref(), true)
            }
            Exchange::NotSent { reason } => return super::send::create_not_sent(reason),
        };
        let (envelope, noisy) = match envelope(response) {
            Read::Envelope(e, noisy) => (e, if noisy { NOISY } else { "" }),
            // A PHP fatal error (or a gateway) after the insert: the account may exist.
            Read::Status(status) if status >= 500 => {
                return Outcome::Transient {
                    code: Some(i64::from(status)),
                    message: format!(
                        "HTTP {status} from the server ({}): the account may or may not have been created.",
                        response.snippet()
                    ),
                    ambiguous: true,
                }
            }
            // Aurora answers 200 to everything: another status is a web server or a proxy
            // refusing the request before Aurora saw it.
            Read::Status(status) => {
                return Outcome::Fatal {
                    kind: StopKind::NotTheApi,
                    code: Some(i64::from(status)),
                    message: format!(
                        "Stopped: HTTP {status} from the server instead of Aurora's answer. Is the Server URL the Aurora installation's address? ({})",
                        self.api_url
                    ),
                    ambiguous: false,
                }
            }
            Read::NotJson => {
                return Outcome::Unreadable {
                    code: None,
                    message: format!(
                        "HTTP 200 with something other than Aurora's JSON ({}): the account may or may not have been created.",
                        response.snippet()
                    ),
                }
            }
        };
        match envelope {
            // A swallowed database error: nothing was stored.
            Envelope::Result(Value::Bool(false)) => Outcome::Transient {
                code: None,
                message: format!(
                    "The server answered Result: false without an error code (a database error){noisy}."
                ),
                ambiguous: false,
            },
            Envelope::Result(id) => Outcome::Created {
                target_id: match id {
                    Value::Number(n) => Some(n.to_string()),
                    Value::String(s) => Some(s),
                    _ => None,
                },
            },
            Envelope::Error { code: 111, message } => Outcome::Exists {
                code: Some(111),
                message: format!("{}{noisy}", describe(111, &message)),
            },
            Envelope::Error {
                code: code @ (101 | 102),
                message,
            } => Outcome::Reauth {
                code: Some(code),
                message: describe(code, &message),
            },
            Envelope::Error { code: 104, message } => Outcome::Transient {
                code: Some(104),
                message: format!("{}{noisy}", describe(104, &message)),
                ambiguous: false,
            },
            Envelope::Error {
                code: code @ (108 | 115 | 116),
                message,
            } => Outcome::Fatal {
                kind: if code == 115 {
                    StopKind::Limit
                } else {
                    StopKind::AccessDenied
                },
                code: Some(code),
                message: format!(
                    "Stopped: {}. {}",
                    describe(code, &message),
                    match code {
                        108 => "This login may not create users (its role, or an IP whitelist).",
                        115 => "The licence's user limit is reached.",
                        _ => "The method is not open to the Web API on this server.",
                    }
                ),
                ambiguous: false,
            },
            Envelope::Error { code, message } => Outcome::Rejected {
                code: Some(code),
                message: format!("{}{noisy}", describe(code, &message)),
                // Aurora's codes do not name the field they refuse.
                field: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::{Kind, Settings};

    fn answered(body: &str) -> Exchange {
        Exchange::Answered(HttpResponse {
            status: 200,
            headers: vec![],
            body: body.into(),
        })
    }

    #[test]
    fn a_result_missing_is_said_by_kind_and_in_words() {
        let refused = read_result(&answered(
            r#"{"ErrorCode":102,"ErrorMessage":"AuthError","Module":"Core"}"#,
        ))
        .unwrap_err();
        assert!(matches!(refused, ReadError::Refused { code: 102, .. }));
        assert_eq!(refused.to_string(), "Aurora error 102 AuthError");
        let status = read_result(&Exchange::Answered(HttpResponse::new(502, "Bad Gateway")));
        assert_eq!(status, Err(ReadError::Status(502)));
        assert_eq!(status.unwrap_err().to_string(), "HTTP 502 from the server");
        let lost = read_result(&Exchange::NoAnswer {
            detail: "reset".into(),
        });
        assert_eq!(lost.unwrap_err().to_string(), "no answer (reset)");
        assert_eq!(
            read_result(&answered(r#"{"Result":[1]}"#)),
            Ok(serde_json::json!([1]))
        );
    }

    fn form(req: &HttpRequest) -> Vec<(String, String)> {
        match &req.body {
            Body::Form(f) => f.clone(),
            other => panic!("not a form: {other:?}"),
        }
    }

    #[test]
    fn api_url_forms() {
        assert_eq!(
            api_url("https://mail.example.com"),
            "https://mail.example.com/?/Api/"
        );
        assert_eq!(
            api_url(" https://mail.example.com/ "),
            "https://mail.example.com/?/Api/"
        );
        assert_eq!(
            api_url("http://10.0.0.1/webmail/?/Api/"),
            "http://10.0.0.1/webmail/?/Api/"
        );
        assert_eq!(api_url("http://h/index.php"), "http://h/index.php?/Api/");
    }

    #[test]
    fn login_request_is_the_documented_form() {
        let a = Aurora::new("http://127.0.0.1:8787/");
        let secrets = Secrets::new()
            .with_shown("login", "superadmin")
            .with("password", "12\"345");
        let LoginStep::Request(req) = a.login(&secrets) else {
            panic!("Aurora logs in")
        };
        assert_eq!(req.url, "http://127.0.0.1:8787/?/Api/");
        assert!(req.headers.is_empty(), "no token and no X-Client header");
        assert_eq!(
            form(&req),
            [
                ("Module".to_owned(), "AdminAuth".to_owned()),
                ("Method".to_owned(), "LoginAsSuperadmin".to_owned()),
                (
                    "Parameters".to_owned(),
                    r#"{"Login":"superadmin","Password":"12\"345"}"#.to_owned()
                ),
            ]
        );
        assert_eq!(req.body.content_type(), "application/x-www-form-urlencoded");
    }

    #[test]
    fn create_request_has_typed_parameters_and_bearer() {
        let a = Aurora::new("http://h");
        let row = UserRow {
            email: "a@localhost".into(),
            password: "p123".into(),
            ..Default::default()
        };
        let req = a.create(&Session::new("tok"), &row);
        assert_eq!(
            req.headers,
            [("Authorization".to_owned(), "Bearer tok".to_owned())]
        );
        let f = form(&req);
        assert_eq!(f[0], ("Module".into(), "Core".into()));
        assert_eq!(f[1], ("Method".into(), "CreateUser".into()));
        let params: Value = serde_json::from_str(&f[2].1).unwrap();
        assert_eq!(
            params,
            json!({"UserId":0,"TenantId":0,"Role":2,"WriteSeparateLog":false,"Forced":true,
                   "PublicId":"a@localhost","DomainId":0,"QuotaBytes":0,"Password":"p123"})
        );
    }

    #[test]
    fn create_request_uses_row_role_quota_and_tenant() {
        let row = UserRow {
            email: "b@x.y".into(),
            password: "p".into(),
            role: Some(1),
            quota_mb: Some(2),
            tenant_id: Some(5),
            ..Default::default()
        };
        let req = Aurora::new("http://h").create(&Session::new("t"), &row);
        let params: Value = serde_json::from_str(&form(&req)[2].1).unwrap();
        assert_eq!(params["Role"], json!(1));
        assert_eq!(params["QuotaBytes"], json!(2 * 1024 * 1024));
        assert_eq!(params["TenantId"], json!(5));
    }

    #[test]
    fn login_answers() {
        let a = Aurora::new("http://h");
        assert_eq!(
            a.read_login(&answered(
                r#"{"Module":"AdminAuth","Result":{"AuthToken":"abc"}}"#
            )),
            Ok(Session::new("abc"))
        );
        let wrong = a
            .read_login(&answered(r#"{"ErrorCode":102,"Module":"AdminAuth"}"#))
            .unwrap_err();
        assert!(
            wrong.message.contains("wrong login or password"),
            "{wrong:?}"
        );
        let ip = a.read_login(&answered(r#"{"ErrorCode":108}"#)).unwrap_err();
        assert!(ip.message.contains("whitelisted"));
        let cookie = a
            .read_login(&answered(r#"{"Result":{"AuthToken":true}}"#))
            .unwrap_err();
        assert!(cookie.message.contains("cookie"));
        let gone = a
            .read_login(&Exchange::NoAnswer {
                detail: "Failed to fetch".into(),
            })
            .unwrap_err();
        assert!(gone.message.contains("CORS") && gone.message.contains("http://h/?/Api/"));
        let html = a
            .read_login(&Exchange::Answered(HttpResponse {
                status: 200,
                headers: vec![],
                body: "<html>".into(),
            }))
            .unwrap_err();
        assert!(html.message.contains("other than JSON"));
    }

    #[test]
    fn every_create_envelope_shape() {
        let a = Aurora::new("http://h");
        let read = |body: &str| a.read_create(&answered(body));
        assert_eq!(
            read(
                r#"{"AuthenticatedUserId":-1,"@Time":"0.07","Module":"Core","Method":"CreateUser","Result":42,"SubscriptionsResult":null}"#
            ),
            Outcome::Created {
                target_id: Some("42".into())
            }
        );
        assert!(matches!(
            read(r#"{"ErrorCode":111,"ErrorMessage":"UserAlreadyExists","Module":"Core"}"#),
            Outcome::Exists { .. }
        ));
        assert_eq!(
            read(r#"{"ErrorCode":103,"Module":"Core"}"#),
            Outcome::Rejected {
                code: Some(103),
                message: "Aurora error 103 InvalidInputParameter".into(),
                field: None,
            }
        );
        assert_eq!(
            read(r#"{"ErrorCode":0,"ErrorMessage":"Reserved address","Module":"Core"}"#),
            Outcome::Rejected {
                code: Some(0),
                message: "Aurora error 0: Reserved address".into(),
                field: None,
            }
        );
        assert!(matches!(
            read(r#"{"Result":false}"#),
            Outcome::Transient {
                ambiguous: false,
                ..
            }
        ));
        assert!(matches!(
            read(r#"{"ErrorCode":101,"Module":""}"#),
            Outcome::Reauth { .. }
        ));
        assert!(matches!(
            read(r#"{"ErrorCode":102}"#),
            Outcome::Reauth { .. }
        ));
        assert!(matches!(
            read(r#"{"ErrorCode":104}"#),
            Outcome::Transient {
                ambiguous: false,
                ..
            }
        ));
        for code in [108, 115, 116] {
            assert!(
                matches!(read(&format!(r#"{{"ErrorCode":{code}}}"#)), Outcome::Fatal { code: Some(c), .. } if c == code)
            );
        }
        for code in [701, 704, 4018, 999, 1005] {
            assert!(matches!(
                read(&format!(r#"{{"ErrorCode":{code}}}"#)),
                Outcome::Rejected { .. }
            ));
        }
        assert!(matches!(
            read(r#"{"Module":"Core"}"#),
            Outcome::Unreadable { .. }
        ));
    }

    /// PHP with `display_errors` on prints notices, warnings and deprecations (HTML) into
    /// the output before the script's JSON: the envelope is still read and used.
    #[test]
    fn php_notices_before_the_envelope() {
        let a = Aurora::new("http://h");
        let notice = "<br />\n<b>Notice</b>:  Undefined index: Forced in <b>/var/www/aurora/modules/Core/Module.php</b> on line <b>1120</b><br />\n";
        let deprecated = "\nDeprecated: Creation of dynamic property Aurora\\System\\Api::$x is deprecated in /var/www/aurora/system/Api.php on line 42\n";
        assert_eq!(
            a.read_create(&answered(&format!(
                r#"{notice}{{"AuthenticatedUserId":-1,"Module":"Core","Method":"CreateUser","Result":57}}"#
            ))),
            Outcome::Created {
                target_id: Some("57".into())
            }
        );
        let exists = a.read_create(&answered(&format!(
            r#"{deprecated}{{"ErrorCode":111,"Module":"Core"}}"#
        )));
        assert!(
            matches!(&exists, Outcome::Exists { message, code: Some(111) } if message.contains("PHP notices")),
            "{exists:?}"
        );
        assert!(matches!(
            a.read_create(&answered(&format!(
                r#"{notice}{{"ErrorCode":101,"Module":""}}"#
            ))),
            Outcome::Reauth {
                code: Some(101),
                ..
            }
        ));
        assert_eq!(
            a.read_login(&answered(&format!(
                r#"{notice}{{"Module":"AdminAuth","Result":{{"AuthToken":"t1"}}}}"#
            ))),
            Ok(Session::new("t1"))
        );
    }

    #[test]
    fn non_envelope_answers() {
        let a = Aurora::new("http://h");
        let status =
            |s: u16, body: &str| a.read_create(&Exchange::Answered(HttpResponse::new(s, body)));
        // A PHP fatal error after the insert: the account may exist.
        for s in [500, 502, 503, 504] {
            assert!(
                matches!(
                    status(s, "<b>Fatal error</b>: Allowed memory size exhausted"),
                    Outcome::Transient { ambiguous: true, code: Some(c), .. } if c == i64::from(s)
                ),
                "{s}"
            );
        }
        // Not Aurora at all: a web server's or proxy's page; nothing was done.
        assert!(matches!(
            status(404, "nope"),
            Outcome::Fatal {
                kind: StopKind::NotTheApi,
                ambiguous: false,
                ..
            }
        ));
        // HTTP 200 with no JSON: the engine decides (wrong URL, or one odd answer).
        assert!(matches!(status(200, "<html>"), Outcome::Unreadable { .. }));
        assert!(matches!(status(200, ""), Outcome::Unreadable { .. }));
        assert!(matches!(
            a.read_create(&Exchange::NoAnswer {
                detail: "Failed to fetch".into()
            }),
            Outcome::Transient {
                ambiguous: true,
                ..
            }
        ));
    }

    #[test]
    fn login_faults_are_transient_and_refusals_are_not() {
        let a = Aurora::new("http://h");
        let login = |e: Exchange| a.read_login(&e).unwrap_err();
        let gone = login(Exchange::NoAnswer {
            detail: "Failed to fetch".into(),
        });
        assert!(gone.transient && gone.kind == StopKind::Unreachable);
        let fatal = login(Exchange::Answered(HttpResponse::new(
            500,
            "<b>Fatal error</b>",
        )));
        assert!(fatal.transient && fatal.kind == StopKind::ServerFault);
        assert_eq!(fatal.code, Some(500));
        let db = login(answered(r#"{"ErrorCode":104}"#));
        assert!(db.transient);
        for (body, kind) in [
            (r#"{"ErrorCode":102}"#, StopKind::CredentialsRefused),
            (r#"{"ErrorCode":108}"#, StopKind::AccessDenied),
            (r#"{"ErrorCode":116}"#, StopKind::AccessDenied),
            ("<html>", StopKind::NotTheApi),
        ] {
            let e = login(answered(body));
            assert!(!e.transient, "{body}");
            assert_eq!(e.kind, kind, "{body}");
        }
        let missing = login(Exchange::Answered(HttpResponse::new(404, "Not Found")));
        assert!(!missing.transient && missing.kind == StopKind::NotTheApi);
    }

    #[test]
    fn the_form_asks_for_the_super_administrators_login_and_password() {
        let fields = AuroraKind.credentials();
        let shape: Vec<(&str, &str, bool, &str, bool)> = fields
            .iter()
            .map(|f| {
                (
                    f.id.as_str(),
                    f.label.as_str(),
                    f.secret,
                    f.initial.as_str(),
                    f.exact,
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                ("login", "Login", false, "superadmin", false),
                ("password", "Password", true, "", true)
            ]
        );
        let typed = crate::targets::credentials::initial_form(&fields);
        let secrets = crate::targets::credentials::secrets(&fields, &typed);
        assert!(AuroraKind.missing_credentials(&secrets).is_some());
        let secrets = secrets.with("password", "12345");
        assert_eq!(AuroraKind.missing_credentials(&secrets), None);
    }

    #[test]
    fn public_ids_follow_auroras_own_rule() {
        assert!(public_id_problem("a.b-c_d+e@x.y").is_none());
        assert!(public_id_problem("=cmd@localhost").unwrap().contains("'='"));
        assert!(public_id_problem("o'brien@x.y").is_some());
        assert!(public_id_problem("zoë@x.y").is_some());
        // The rule reaches the rows through the target's rules.
        let rules = AuroraKind.rules(&Settings::new());
        assert_eq!(rules.email_rule, Some(PUBLIC_ID_RULE));
        let mut row = crate::input::map::MappedRow::new(2);
        row.set(Field::Email, "o'brien@x.y");
        row.set(Field::Password, "p");
        let errs = crate::input::validate::validate_with(&row, &rules).unwrap_err();
        assert_eq!(errs[0].field, Some(Field::Email));
        assert!(
            errs[0].message.contains("Aurora does not accept"),
            "{errs:?}"
        );
    }

    fn typed(pairs: &[(&str, &str)]) -> Settings {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn role_quota_and_tenant_defaults_are_auroras_settings() {
        let settings = AuroraKind.settings();
        let labels: Vec<(&str, &str, bool)> = settings
            .iter()
            .map(|s| (s.id.as_str(), s.label.as_str(), s.affects_rows))
            .collect();
        assert_eq!(
            labels,
            [
                ("role", "Default role", true),
                ("quota_mb", "Default quota (MB)", true),
                ("tenant_id", "Default tenant ID", true)
            ]
        );
        // A row without a role (or quota) takes the setting; a row with its own keeps it.
        use crate::input::map::Mapping;
        use crate::input::plan::{plan_with, user_at};
        use crate::input::read::read;
        let t = read(
            b"email,password,role
ann@x.org,pw-1,
bob@x.org,pw-2,1
",
        )
        .unwrap();
        let mapping = Mapping::auto(&t);
        let rules = AuroraKind.rules(&typed(&[("role", " 3 "), ("quota_mb", "250")]));
        let planned = plan_with(&t, &mapping, &rules);
        assert!(planned.iter().all(|p| p.is_valid()), "{planned:?}");
        let ann = user_at(&t, &mapping, &rules, 0).unwrap();
        let bob = user_at(&t, &mapping, &rules, 1).unwrap();
        assert_eq!(
            (ann.role, ann.quota_mb, ann.tenant_id),
            (Some(3), Some(250), None)
        );
        assert_eq!((bob.role, bob.quota_mb), (Some(1), Some(250)));
        // Without the settings, nothing is filled in.
        let plain = AuroraKind.rules(&Settings::new());
        assert_eq!(user_at(&t, &mapping, &plain, 0).unwrap().role, None);
    }

    #[test]
    fn an_invalid_default_is_refused_by_its_label_and_left_out_of_the_rows() {
        for (id, value, said) in [
            (
                "role",
                "4",
                "Default role must be a whole number from 1 to 3.",
            ),
            (
                "role",
                "two",
                "Default role must be a whole number from 1 to 3.",
            ),
            (
                "quota_mb",
                "-5",
                "Default quota (MB) must be a whole number from 0 to 1073741824.",
            ),
            (
                "tenant_id",
                "1.5",
                "Default tenant ID must be a whole number from 0 to 18446744073709551615.",
            ),
        ] {
            let settings = typed(&[(id, value)]);
            let err = AuroraKind
                .build("https://mail.example.com", &settings)
                .err();
            assert_eq!(
                err.map(|e| e.to_string()).as_deref(),
                Some(said),
                "{id}={value}"
            );
            // The rows are planned as if it were absent (Start reports it).
            assert!(AuroraKind.rules(&settings).defaults.is_empty());
        }
        let ok = typed(&[("role", "1"), ("quota_mb", "0"), ("tenant_id", "")]);
        assert!(AuroraKind.build("https://mail.example.com", &ok).is_ok());
    }
}
