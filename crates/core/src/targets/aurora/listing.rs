//! Aurora's listing (see `shared/protocols/aurora.md`): log in as the super
//! administrator, list the accounts page by page (`Core.GetUsers`), then the tenants'
//! mail domains where the server has them (`MailDomains.GetDomains`).

use std::collections::BTreeSet;

use serde_json::Value;

use super::{get_domains, get_tenants, get_users, read_result, Aurora};
use crate::http::{Exchange, HttpRequest};
use crate::targets::check::{CheckReport, Listing};
use crate::targets::send::{LoginStep, Secrets, Session, Target};

/// Accounts asked for per `GetUsers` page.
pub const PAGE: u64 = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Stage {
    Login,
    Users { offset: u64 },
    Tenants,
    Domains { tenants: Vec<i64>, next: usize },
    Done,
}

#[derive(Debug)]
pub struct AuroraCheck {
    aurora: Aurora,
    secrets: Secrets,
    session: Option<Session>,
    stage: Stage,
    report: CheckReport,
    error: Option<String>,
}

impl AuroraCheck {
    pub fn new(aurora: Aurora, secrets: Secrets) -> AuroraCheck {
        AuroraCheck {
            aurora,
            secrets,
            session: None,
            stage: Stage::Login,
            report: CheckReport::default(),
            error: None,
        }
    }
}

impl Listing for AuroraCheck {
    fn call(&self) -> &str {
        "GetUsers"
    }

    /// The request to perform now, or `None` once the check is over.
    fn next(&self) -> Option<HttpRequest> {
        let session = self.session.as_ref();
        match (&self.stage, session) {
            (Stage::Login, _) => match self.aurora.login(&self.secrets) {
                LoginStep::Request(r) => Some(r),
                LoginStep::Ready(_) => None,
            },
            (Stage::Users { offset }, Some(s)) => Some(get_users(&self.aurora, s, *offset, PAGE)),
            (Stage::Tenants, Some(s)) => Some(get_tenants(&self.aurora, s)),
            (Stage::Domains { tenants, next }, Some(s)) => {
                Some(get_domains(&self.aurora, s, tenants[*next]))
            }
            _ => None,
        }
    }

    /// Takes the answer to the request [`Listing::next`] gave.
    fn on_answer(&mut self, exchange: &Exchange) {
        let stage = std::mem::replace(&mut self.stage, Stage::Done);
        self.stage = match stage {
            Stage::Login => match self.aurora.read_login(exchange) {
                Ok(session) => {
                    self.session = Some(session);
                    Stage::Users { offset: 0 }
                }
                Err(e) => {
                    self.error = Some(e.message);
                    Stage::Done
                }
            },
            Stage::Users { offset } => match read_result(exchange) {
                Ok(result) => {
                    let items = result.get("Items").and_then(Value::as_array);
                    let got = items.map_or(0, Vec::len) as u64;
                    for item in items.into_iter().flatten() {
                        if let Some(id) = item.get("PublicId").and_then(Value::as_str) {
                            self.report.existing.insert(id.to_lowercase());
                        }
                    }
                    let count = result.get("Count").and_then(Value::as_u64).unwrap_or(0);
                    if got == PAGE && offset + got < count {
                        Stage::Users {
                            offset: offset + got,
                        }
                    } else {
                        Stage::Tenants
                    }
                }
                Err(message) => {
                    self.error = Some(format!("Listing the existing accounts failed: {message}."));
                    Stage::Done
                }
            },
            // Tenants and domains are best effort: a server without them still imports.
            Stage::Tenants => {
                let tenants: Vec<i64> = read_result(exchange)
                    .ok()
                    .and_then(|r| r.get("Items").and_then(Value::as_array).cloned())
                    .into_iter()
                    .flatten()
                    .filter_map(|t| t.get("Id").and_then(Value::as_i64))
                    .filter(|id| *id != 0)
                    .collect();
                if tenants.is_empty() {
                    Stage::Done
                } else {
                    Stage::Domains { tenants, next: 0 }
                }
            }
            Stage::Domains { tenants, next } => {
                if let Ok(result) = read_result(exchange) {
                    let names = result
                        .get("Items")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(|d| d.get("Name").and_then(Value::as_str))
                        .map(str::to_lowercase);
                    self.report
                        .domains
                        .get_or_insert_with(BTreeSet::new)
                        .extend(names);
                }
                if next + 1 < tenants.len() {
                    Stage::Domains {
                        tenants,
                        next: next + 1,
                    }
                } else {
                    Stage::Done
                }
            }
            Stage::Done => Stage::Done,
        };
    }

    fn is_over(&self) -> bool {
        self.stage == Stage::Done
    }

    /// The result once the check is over: what was found, or why it failed.
    fn result(&self) -> Option<Result<&CheckReport, &str>> {
        if !self.is_over() {
            return None;
        }
        Some(match &self.error {
            Some(e) => Err(e.as_str()),
            None => Ok(&self.report),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{Body, HttpResponse};
    use crate::input::map::{Field, Mapping};
    use crate::input::plan::plan;
    use crate::input::read::read;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn ok(result: Value) -> Exchange {
        Exchange::Answered(HttpResponse {
            status: 200,
            headers: vec![],
            body: json!({ "Result": result }).to_string(),
        })
    }

    fn method(req: &HttpRequest) -> String {
        let Body::Form(f) = &req.body else { panic!() };
        format!("{}.{}", f[0].1, f[1].1)
    }

    #[test]
    fn lists_users_page_by_page_then_domains() {
        let mut check = AuroraCheck::new(Aurora::new("http://h"), Secrets::default());
        assert_eq!(
            method(&check.next().unwrap()),
            "AdminAuth.LoginAsSuperadmin"
        );
        check.on_answer(&ok(json!({"AuthToken": "t"})));
        let page: Vec<Value> = (0..PAGE)
            .map(|i| json!({"Id": i, "PublicId": format!("U{i}@Example.com")}))
            .collect();
        let req = check.next().unwrap();
        assert_eq!(method(&req), "Core.GetUsers");
        assert_eq!(req.headers[0].1, "Bearer t");
        check.on_answer(&ok(json!({"Items": page, "Count": PAGE + 1})));
        let Body::Form(f) = &check.next().unwrap().body else {
            panic!()
        };
        assert!(f[2].1.contains("\"Offset\":500"), "{}", f[2].1);
        check.on_answer(&ok(
            json!({"Items": [{"PublicId": "last@x.y"}], "Count": PAGE + 1}),
        ));
        assert_eq!(method(&check.next().unwrap()), "Core.GetTenants");
        check.on_answer(&ok(json!({"Items": [{"Id": 1}, {"Id": 2}], "Count": 2})));
        assert_eq!(method(&check.next().unwrap()), "MailDomains.GetDomains");
        check.on_answer(&ok(json!({"Items": [{"Name": "Example.com"}]})));
        check.on_answer(&ok(json!({"Items": [{"Name": "localhost"}]})));
        assert!(check.is_over());
        let report = check.result().unwrap().unwrap();
        assert_eq!(report.existing.len(), PAGE as usize + 1);
        assert!(report.existing.contains("u7@example.com"));

        let t =
            read(b"u7@EXAMPLE.com | p\nnew@example.com | p\nz@other.org | p\nq@other.org | p\n")
                .unwrap();
        let planned = plan(&t, &Mapping::auto(&t), &[Field::Email, Field::Password]);
        assert_eq!(report.existing_rows(&planned), [0]);
        assert_eq!(
            report.unregistered_domains(&planned),
            BTreeMap::from([("other.org".to_owned(), 2)])
        );
    }

    #[test]
    fn wrong_password_ends_the_check_with_its_message() {
        let mut check = AuroraCheck::new(Aurora::new("http://h"), Secrets::default());
        check.on_answer(&Exchange::Answered(HttpResponse {
            status: 200,
            headers: vec![],
            body: r#"{"ErrorCode":102}"#.into(),
        }));
        assert!(check.next().is_none());
        let err = check.result().unwrap().unwrap_err();
        assert!(err.contains("wrong login or password"));
    }

    #[test]
    fn servers_without_domains_still_pass() {
        let mut check = AuroraCheck::new(Aurora::new("http://h"), Secrets::default());
        check.on_answer(&ok(json!({"AuthToken": "t"})));
        check.on_answer(&ok(json!({"Items": [], "Count": 0})));
        check.on_answer(&Exchange::Answered(HttpResponse {
            status: 200,
            headers: vec![],
            body: r#"{"ErrorCode":116}"#.into(),
        }));
        let report = check.result().unwrap().unwrap();
        assert!(report.existing.is_empty());
        assert_eq!(report.domains, None);
    }
}
