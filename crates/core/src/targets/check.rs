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
            Some(_) => None,
        }
    }

    fn on_answer(&mut self, exchange: &Exchange) {
        if self.result.is_some() {
            return;
        }
        self.result = Some(match self.target.read_login(exchange) {
            Ok(_) => Ok(CheckReport {
                login_only: true,
                ..CheckReport::default()
            }),
            Err(error) => Err(error.message),
        });
    }

    fn is_over(&self) -> bool {
        self.result.is_some()
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
    use crate::job::{words, CheckFailed, Effect, Event, Look, Machine, Over};
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

    #[test]
    fn a_target_without_a_login_request_has_nothing_to_check() {
        // GitLab's token goes on every request: no login to test.
        let token = Secrets::new().with("access_token", "glpat-x");
        assert!(look("gitlab", &token).is_none());
    }
}
