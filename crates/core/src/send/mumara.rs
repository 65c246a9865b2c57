//! Mumara Campaigns' `POST <base>/api/addUser` (see `shared/protocols/mumara.md`).
//!
//! A JSON body and `Authorization: Bearer <API key>` on every request: there is no login.
//! The key's rate limit (60 requests per minute by default) answers 429 with `Retry-After`.

use serde_json::{json, Map, Value};

use super::{LoginError, LoginStep, Outcome, Secrets, Session, Target};
use crate::http::{Body, Exchange, HttpRequest, HttpResponse};
use crate::map::{Field, UserRow};

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

/// `Retry-After` as milliseconds: delta-seconds only (an HTTP date is ignored).
pub fn retry_after_ms(response: &HttpResponse) -> Option<u64> {
    response
        .header("Retry-After")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|s| s.saturating_mul(1000))
}

/// Joins a field-error object into one line: `email: Error: …; name: Error: …`.
fn field_errors(errors: &Map<String, Value>) -> String {
    errors
        .iter()
        .map(|(field, messages)| {
            let text = match messages {
                Value::Array(list) => list
                    .iter()
                    .map(|m| m.as_str().map_or_else(|| m.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(" "),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            format!("{field}: {text}")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl Target for Mumara {
    fn name(&self) -> &'static str {
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
        LoginStep::Ready(Session::new(secrets.api_key.trim()))
    }

    fn read_login(&self, _: &Exchange) -> Result<Session, LoginError> {
        Err(LoginError::new(
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
                    message: format!(
                        "No answer ({detail}): the account may or may not have been created."
                    ),
                    ambiguous: true,
                }
            }
        };
        let status = response.status;
        match status {
            429 => {
                return Outcome::RateLimited {
                    retry_after_ms: retry_after_ms(response),
                    message: "Rate limited by the server (HTTP 429): waiting, then sending again."
                        .into(),
                }
            }
            401 => {
                return Outcome::Fatal {
                    code: Some(401),
                    message: "Stopped: the API key was refused (HTTP 401). Check that it is right and has not expired.".into(),
                }
            }
            403 => {
                return Outcome::Fatal {
                    code: Some(403),
                    message: "Stopped: access denied (HTTP 403). The key's role may lack permission to add users, or this computer's IP is not among the key's allowed IPs.".into(),
                }
            }
            502 | 504 => {
                return Outcome::Transient {
                    message: format!(
                        "HTTP {status} from a gateway: the account may or may not have been created."
                    ),
                    ambiguous: true,
                }
            }
            s if s >= 500 => {
                return Outcome::Transient {
                    message: format!("HTTP {s} from the server (a server error)."),
                    ambiguous: false,
                }
            }
            _ => {}
        }
        let Ok(value) = serde_json::from_str::<Value>(&response.body) else {
            return Outcome::Fatal {
                code: Some(i64::from(status)),
                message: format!(
                    "Stopped: HTTP {status} with an answer that is not JSON. Is the Server URL the Mumara installation's address? ({})",
                    self.url
                ),
            };
        };
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
            return Outcome::Fatal {
                code: Some(i64::from(status)),
                message: format!(
                    "Stopped: HTTP {status} with an answer that is neither success nor error. Is the Server URL right? ({})",
                    self.url
                ),
            };
        }
        match value.get("result") {
            Some(Value::Object(errors)) => Outcome::Rejected {
                code: None,
                message: field_errors(errors),
                systemic: false,
            },
            Some(Value::String(text)) => {
                let lower = text.to_lowercase();
                if lower.contains("already exists") {
                    Outcome::Exists {
                        message: text.clone(),
                    }
                } else if lower.contains("licen") || lower.contains("limit") {
                    Outcome::Fatal {
                        code: None,
                        message: format!(
                            "Stopped: {text} Every following row would fail the same way."
                        ),
                    }
                } else {
                    Outcome::Rejected {
                        code: None,
                        message: text.clone(),
                        // "Package doesn`t exsit": every row on the same package fails.
                        systemic: lower.contains("package"),
                    }
                }
            }
            other => Outcome::Rejected {
                code: None,
                systemic: false,
                message: format!(
                    "The server answered an error: {}",
                    other.map_or_else(|| "(no detail)".to_owned(), Value::to_string)
                ),
            },
        }
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
        let LoginStep::Ready(session) = t.login(&Secrets {
            api_key: " KEY ".into(),
            ..Default::default()
        }) else {
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
                systemic: false,
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
        assert!(matches!(
            read(502, "<html>"),
            Outcome::Transient {
                ambiguous: true,
                ..
            }
        ));
        assert!(matches!(
            read(504, ""),
            Outcome::Transient {
                ambiguous: true,
                ..
            }
        ));
        assert!(matches!(
            read(500, ""),
            Outcome::Transient {
                ambiguous: false,
                ..
            }
        ));
        assert!(matches!(read(404, "<html>"), Outcome::Fatal { .. }));
        assert!(matches!(read(200, "<html>"), Outcome::Fatal { .. }));
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
    fn rate_limit_reads_retry_after() {
        let t = target();
        let limited = Exchange::Answered(HttpResponse {
            status: 429,
            headers: vec![("retry-after".into(), "7".into())],
            body: r#"{"message":"Too Many Attempts."}"#.into(),
        });
        assert_eq!(
            t.read_create(&limited),
            Outcome::RateLimited {
                retry_after_ms: Some(7000),
                message: "Rate limited by the server (HTTP 429): waiting, then sending again."
                    .into()
            }
        );
        let no_header = answer(429, "");
        assert!(matches!(
            t.read_create(&no_header),
            Outcome::RateLimited {
                retry_after_ms: None,
                ..
            }
        ));
    }
}
