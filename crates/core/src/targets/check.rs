//! What a read-only look at the server finds, and the trait every such look follows.
//!
//! A [`Listing`] logs in and lists the accounts the server holds (and its mail domains
//! where it can), for "Check", for re-checking rows whose answer was lost before a resume
//! or a retry sends them again, and for settling the rows a run left unknown. A target
//! that has one returns it from [`super::Kind::listing`] (Aurora's lives with Aurora:
//! `super::aurora::listing`). Like the run, it is a state machine: [`Listing::next`] gives
//! the request to perform, [`Listing::on_answer`] takes its answer.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;

use crate::http::{Exchange, HttpRequest};
use crate::input::plan::PlannedRow;
use crate::targets::send::{LoginStep, Secrets, Target};
use crate::targets::Kind;

/// What the check found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CheckReport {
    /// Every account's PublicId, lower-cased.
    pub existing: HashSet<String>,
    /// The registered mail domains, lower-cased; `None` when the server does not say
    /// (not Aurora Corporate, or the MailDomains module is off).
    pub domains: Option<BTreeSet<String>>,
    /// The check only logged in (a target whose login is its one read-only call, such as
    /// Keycloak's token): nothing was listed, so `existing` says nothing of the server.
    pub login_only: bool,
    /// What a failed logout of the check's own session says (see
    /// [`crate::targets::send::logout_note`]); the check itself stands.
    pub note: Option<String>,
}

impl CheckReport {
    /// Input rows (by index) whose address the server holds already.
    pub fn existing_rows(&self, plan: &[PlannedRow]) -> Vec<usize> {
        plan.iter()
            .enumerate()
            .filter(|(_, p)| p.is_valid() && self.existing.contains(&p.email.to_lowercase()))
            .map(|(i, _)| i)
            .collect()
    }

    /// Domains of ready rows that the server does not list, with how many rows use each.
    pub fn unregistered_domains(&self, plan: &[PlannedRow]) -> BTreeMap<String, usize> {
        let mut missing = BTreeMap::new();
        let Some(domains) = &self.domains else {
            return missing;
        };
        for p in plan.iter().filter(|p| p.is_valid()) {
            if let Some((_, domain)) = p.email.rsplit_once('@') {
                let domain = domain.to_lowercase();
                if !domains.contains(&domain) {
                    *missing.entry(domain).or_insert(0) += 1;
                }
            }
        }
        missing
    }
}

/// A read-only look at the server: log in, list its accounts. Performed one request
/// after the other until it is over.
pub trait Listing: fmt::Debug {
    /// The server's call that lists the accounts, for the sentences the page announces
    /// (Aurora's `GetUsers`).
    fn call(&self) -> &str;

    /// The request to perform now, or `None` once the listing is over.
    fn next(&self) -> Option<HttpRequest>;

    /// Takes the answer to the request [`Listing::next`] gave.
    fn on_answer(&mut self, exchange: &Exchange);

    fn is_over(&self) -> bool;

    /// The result once the listing is over: what was found, or why it failed.
    fn result(&self) -> Option<Result<&CheckReport, &str>>;
}

/// "Check" for a target whose only read-only call is its login (Keycloak's token request
/// creates nothing): logs in once and lists nothing. Its report is `login_only`.
pub struct LoginCheck {
    target: Box<dyn Target>,
    request: Option<HttpRequest>,
    result: Option<Result<CheckReport, String>>,
    /// The logout of the session the login made, sent once the login is read (see
    /// [`crate::targets::send::Session::logout_request`]).
    logout: Option<HttpRequest>,
}

impl fmt::Debug for LoginCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The login request carries the credentials: never shown.
        f.debug_struct("LoginCheck")
            .field("asked", &self.request.is_some())
            .field("over", &self.result.is_some())
            .finish()
    }
}

impl LoginCheck {
    /// `None` when the target has no login request to test (the key or token goes on
    /// every request, as Mumara's, Graph's and GitLab's do).
    pub fn new(target: Box<dyn Target>, secrets: &Secrets) -> Option<LoginCheck> {
        match target.login(secrets) {
            LoginStep::Request(request) => Some(LoginCheck {
                target,
                request: Some(request),
                result: None,
                logout: None,
            }),
            LoginStep::Ready(_) => None,
        }
    }
}

impl Listing for LoginCheck {
    fn call(&self) -> &str {
        "login"
    }

    fn next(&self) -> Option<HttpRequest> {
        match self.result {
            None => self.request.clone(),
            Some(_) => self.logout.clone(),
        }
    }

    fn on_answer(&mut self, exchange: &Exchange) {
        if let Some(result) = &mut self.result {
            // The logout's answer: the check stands whatever it says.
            if self.logout.take().is_some() {
                if let Ok(report) = result {
                    report.note = crate::targets::send::logout_note(exchange);
                }
            }
            return;
        }
        self.result = Some(match self.target.read_login(exchange) {
            Ok(session) => {
                self.logout = session.logout_request().cloned();
                Ok(CheckReport {
                    login_only: true,
                    ..CheckReport::default()
                })
            }
            Err(error) => Err(error.message),
        });
    }

    fn is_over(&self) -> bool {
        self.result.is_some() && self.logout.is_none()
    }

    fn result(&self) -> Option<Result<&CheckReport, &str>> {
        self.result
            .as_ref()
            .map(|r| r.as_ref().map_err(String::as_str))
    }
}

/// What "Check" does for a target: its listing when it has one (Aurora's GetUsers);
/// otherwise, for a profile target with a login, the login alone; `None` when there is
/// nothing read-only to test.
pub fn check_for(
    kind: &dyn Kind,
    server_url: &str,
    target: Box<dyn Target>,
    secrets: Secrets,
) -> Option<Box<dyn Listing>> {
    if kind.has_check() {
        if let Some(listing) = kind.listing(server_url, secrets.clone()) {
            return Some(listing);
        }
    }
    kind.profile()?;
    LoginCheck::new(target, &secrets).map(|check| Box::new(check) as Box<dyn Listing>)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HttpResponse;
    use crate::job::{words, CheckFailed, Effect, Event, Look, Machine, Over, RequestId};
    use crate::targets::{Settings, TargetKind};

    fn look(id: &str, secrets: &Secrets) -> Option<Look> {
        let kind = TargetKind::by_id(id).unwrap();
        let mut settings = Settings::new();
        settings.insert("realm".into(), "roster".into());
        let url = "https://sso.example.com";
        let target = kind.build(url, &settings).unwrap();
        check_for(&*kind, url, target, secrets.clone()).map(Look::new)
    }

    fn answer(look: &mut Look, response: HttpResponse) -> Over {
        let effects = look.take_effects();
        let [Effect::Send { id, request }] = &effects[..] else {
            panic!("one request first: {effects:?}");
        };
        assert!(
            request.url.ends_with("/protocol/openid-connect/token"),
            "{}",
            request.url
        );
        look.handle(
            Event::Answer {
                id: *id,
                exchange: Exchange::Answered(response),
            },
            0,
        );
        match &look.take_effects()[..] {
            [Effect::Ended(over)] => over.clone(),
            other => panic!("the check ends after the login: {other:?}"),
        }
    }

    #[test]
    fn keycloaks_check_logs_in_and_reports_login_ok_or_the_logins_error() {
        let login = Secrets::new()
            .with_shown("login", "admin")
            .with("password", "admin");
        let mut ok = look("keycloak", &login).expect("Keycloak's Check tests the login");
        let over = answer(
            &mut ok,
            HttpResponse::new(200, r#"{"access_token":"t","expires_in":60}"#),
        );
        let Over::Checked(Ok(report)) = over else {
            panic!("{over:?}");
        };
        assert!(report.login_only);
        let said = words::check_summary(&report, &[]);
        assert_eq!(said.len(), 1);
        assert!(said[0].starts_with("Login OK."), "{said:?}");

        let mut refused = look("keycloak", &login).unwrap();
        let over = answer(
            &mut refused,
            HttpResponse::new(
                401,
                r#"{"error":"invalid_grant","error_description":"Invalid user credentials"}"#,
            ),
        );
        let Over::Checked(Err(CheckFailed::Refused(message))) = over else {
            panic!("{over:?}");
        };
        assert!(message.to_lowercase().contains("refused"), "{message}");
        assert!(!message.contains("admin\""), "{message}");
    }

    /// Synapse keeps a device per password login: Synapse's Check login logs the session
    /// it made out again (`POST /_matrix/client/v3/logout` with its token, as Synapse's
    /// `LogoutRestServlet` takes it, answering 200 `{}`); never a pasted token's.
    #[test]
    fn synapses_check_logs_its_own_session_out_but_never_a_pasted_token() {
        let kind = TargetKind::by_id("synapse").unwrap();
        let url = "https://matrix.example.org";
        let check = |secrets: &Secrets| {
            let target = kind.build(url, &Settings::new()).unwrap();
            Look::new(check_for(&*kind, url, target, secrets.clone()).unwrap())
        };
        let send = |look: &mut Look| -> (RequestId, HttpRequest) {
            match &look.take_effects()[..] {
                [Effect::Send { id, request }] => (*id, request.clone()),
                other => panic!("one request: {other:?}"),
            }
        };
        let login = Secrets::new()
            .with_shown("login", "admin")
            .with("password", "pw");
        for (logout_answer, note) in [
            (HttpResponse::new(200, "{}"), false),
            (
                HttpResponse::new(
                    401,
                    r#"{"errcode":"M_UNKNOWN_TOKEN","error":"Unknown access token"}"#,
                ),
                true,
            ),
        ] {
            let mut look = check(&login);
            let (id, request) = send(&mut look);
            assert!(
                request.url.ends_with("/_matrix/client/v3/login"),
                "{request:?}"
            );
            look.handle(
                Event::Answer {
                    id,
                    exchange: Exchange::Answered(HttpResponse::new(
                        200,
                        r#"{"user_id":"@admin:example.org","access_token":"syt_fresh","device_id":"DEV"}"#,
                    )),
                },
                0,
            );
            let (id, logout) = send(&mut look);
            assert_eq!(logout.method, crate::http::Method::Post);
            assert_eq!(
                logout.url,
                "https://matrix.example.org/_matrix/client/v3/logout"
            );
            assert!(
                logout
                    .headers
                    .iter()
                    .any(|(n, v)| n == "Authorization" && v == "Bearer syt_fresh"),
                "{logout:?}"
            );
            look.handle(
                Event::Answer {
                    id,
                    exchange: Exchange::Answered(logout_answer),
                },
                0,
            );
            let [Effect::Ended(Over::Checked(Ok(report)))] = &look.take_effects()[..] else {
                panic!("the check ends after the logout, and stands");
            };
            let said = words::check_summary(report, &[]);
            assert!(said[0].starts_with("Login OK."), "{said:?}");
            assert_eq!(said.len(), if note { 2 } else { 1 }, "{said:?}");
            if note {
                assert!(said[1].contains("could not log out"), "{said:?}");
                assert!(!said[1].contains("syt_fresh"), "{said:?}");
            }
        }
        // A pasted token is the admin's own device: whoami, and nothing after it.
        let mut look = check(&Secrets::new().with("access_token", "syt_admins"));
        let (id, request) = send(&mut look);
        assert!(request.url.ends_with("/account/whoami"), "{request:?}");
        look.handle(
            Event::Answer {
                id,
                exchange: Exchange::Answered(HttpResponse::new(
                    200,
                    r#"{"user_id":"@admin:example.org"}"#,
                )),
            },
            0,
        );
        assert!(matches!(
            &look.take_effects()[..],
            [Effect::Ended(Over::Checked(Ok(_)))]
        ));
    }

    #[test]
    fn a_target_without_a_login_request_has_nothing_to_check() {
        // GitLab's token goes on every request: no login to test.
        let token = Secrets::new().with("access_token", "glpat-x");
        assert!(look("gitlab", &token).is_none());
    }
}
