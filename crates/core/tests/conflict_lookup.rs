//! Issue 20, "Two rows, one account": a create answered "the address belongs to another
//! account" (Keycloak's 409 "User exists with same email") is a conflict that names BOTH
//! accounts: the job sends the profile's `lookup` after that answer (as an effect, so the
//! page and the command line both do it) and the row's message names the other user name.
//! A look-up that fails or names nobody keeps the conflict, and says so: never `exists`,
//! never done.

mod job_support;

use job_support::{Harness, Mem, Server, Setup};
use roster_core::http::{Body, Exchange, HttpRequest, HttpResponse, Method};
use roster_core::job::Over;
use roster_core::run::{Ending, Status};
use roster_core::targets::profile::Profile;
use roster_core::targets::send::Secrets;
use serde_json::{json, Value};

const FILE: &str = "email,password,name,username\n\
ann@x.test,Pass-ann-1,Ann Example,ann\n\
bob@x.test,Pass-bob-1,Bob Example,bob\n";

/// How the fake answers the look-up (`GET /admin/realms/people/users?email=…&exact=true`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LookupAnswer {
    /// As Keycloak's `UsersResource.getUsers`: the users whose e-mail is that address.
    Real,
    Status500,
    Empty,
    Lost,
    Html,
}

/// Keycloak as `UsersResource` answers (see the sandbox's `keycloak` module): the token,
/// `POST /admin/realms/people/users` (409 "User exists with same username" first, then
/// 409 "User exists with same email"), and the users search.
struct Keycloak {
    /// (username, email), lower-cased.
    users: Vec<(String, String)>,
    lookup: LookupAnswer,
    creates: usize,
    lookups: Vec<String>,
}

fn answer(status: u16, body: Value) -> Exchange {
    Exchange::Answered(HttpResponse::new(status, body.to_string()))
}

impl Server for Keycloak {
    fn handle(&mut self, request: &HttpRequest) -> Exchange {
        let path = request.url.strip_prefix("http://kc.test").unwrap();
        if path == "/realms/master/protocol/openid-connect/token" {
            return answer(200, json!({"access_token":"kc-token","expires_in":60}));
        }
        assert!(
            request
                .headers
                .iter()
                .any(|(n, v)| n == "Authorization" && v == "Bearer kc-token"),
            "every admin call carries the token: {request:?}"
        );
        if let Some(query) = path.strip_prefix("/admin/realms/people/users?") {
            assert_eq!(request.method, Method::Get);
            self.lookups.push(query.to_owned());
            let email = query
                .split('&')
                .find_map(|p| p.strip_prefix("email="))
                .unwrap()
                .replace("%40", "@");
            assert!(query.contains("exact=true"), "{query}");
            return match self.lookup {
                LookupAnswer::Real => {
                    let found: Vec<Value> = self
                        .users
                        .iter()
                        .filter(|(_, e)| *e == email.to_lowercase())
                        .map(|(u, e)| json!({"id": format!("id-{u}"), "username": u, "email": e, "enabled": true}))
                        .collect();
                    answer(200, Value::Array(found))
                }
                LookupAnswer::Status500 => answer(500, json!({"error":"unknown_error"})),
                LookupAnswer::Empty => answer(200, json!([])),
                LookupAnswer::Lost => Exchange::NoAnswer {
                    detail: "Failed to fetch".into(),
                },
                LookupAnswer::Html => Exchange::Answered(HttpResponse::new(
                    200,
                    "<!doctype html><html><body>Sign in</body></html>",
                )),
            };
        }
        assert_eq!(path, "/admin/realms/people/users");
        assert_eq!(request.method, Method::Post);
        self.creates += 1;
        let Body::Json(text) = &request.body else {
            panic!("a JSON body")
        };
        let body: Value = serde_json::from_str(text).unwrap();
        let username = body["username"].as_str().unwrap().to_lowercase();
        let email = body["email"].as_str().unwrap().to_lowercase();
        if self.users.iter().any(|(u, _)| *u == username) {
            return answer(
                409,
                json!({"errorMessage":"User exists with same username"}),
            );
        }
        if self.users.iter().any(|(_, e)| *e == email) {
            return answer(409, json!({"errorMessage":"User exists with same email"}));
        }
        self.users.push((username, email));
        Exchange::Answered(HttpResponse::new(201, String::new()))
    }
}

/// Runs the Keycloak preset over FILE where bob's address belongs to "robert".
fn run(lookup: LookupAnswer) -> (Harness<roster_core::job::Job>, Keycloak) {
    let mut setup = Setup::new("keycloak", "http://kc.test", FILE).setting("realm", "people");
    setup.secrets = Secrets::new()
        .with_shown("login", "admin")
        .with("password", "secret");
    let mut server = Keycloak {
        users: vec![("robert".into(), "bob@x.test".into())],
        lookup,
        creates: 0,
        lookups: Vec::new(),
    };
    let mut h = Harness::new(setup.job(), Mem::default());
    h.finish(&mut server);
    assert_eq!(h.over, Some(Over::Ran(Some(Ending::Finished))));
    (h, server)
}

fn message(h: &Harness<roster_core::job::Job>, row: usize) -> String {
    h.machine.run().rows()[row].message.clone()
}

#[test]
fn the_conflict_names_the_other_account_found_by_the_lookup() {
    let (h, server) = run(LookupAnswer::Real);
    assert_eq!(h.statuses(), [Status::Created, Status::Rejected]);
    let bob = message(&h, 1);
    assert!(bob.starts_with("Conflict: "), "{bob}");
    // Both names: the other account's, and this row's.
    assert!(bob.contains("The other account is \"robert\""), "{bob}");
    assert!(bob.contains("user name \"bob\""), "{bob}");
    assert!(bob.contains("Not counted as done"), "{bob}");
    // One look-up, for bob's address, exact; one create per row.
    assert_eq!(server.lookups, ["email=bob%40x.test&exact=true"]);
    assert_eq!(server.creates, 2);
    // The look-up went out as a request of the job (an effect), with the token.
    let sent = h.sent.iter().filter(|r| r.method == Method::Get).count();
    assert_eq!(sent, 1);
}

#[test]
fn a_lookup_that_fails_or_names_nobody_keeps_the_conflict_and_says_so() {
    for (lookup, why) in [
        (LookupAnswer::Status500, "HTTP 500"),
        (LookupAnswer::Empty, "its answer has no name at /0/username"),
        (LookupAnswer::Lost, "no answer"),
        (LookupAnswer::Html, "HTML"),
    ] {
        let (h, server) = run(lookup);
        assert_eq!(
            h.statuses(),
            [Status::Created, Status::Rejected],
            "{lookup:?}"
        );
        let bob = message(&h, 1);
        assert!(bob.starts_with("Conflict: "), "{lookup:?}: {bob}");
        assert!(
            bob.contains("The other account could not be named ("),
            "{lookup:?}: {bob}"
        );
        assert!(bob.contains(why), "{lookup:?}: {bob}");
        assert!(bob.contains("user name \"bob\""), "{lookup:?}: {bob}");
        // Never sent again: one create per row, one look-up.
        assert_eq!(server.creates, 2, "{lookup:?}");
        assert_eq!(server.lookups.len(), 1, "{lookup:?}");
    }
}

#[test]
fn an_exists_by_user_name_sends_no_lookup() {
    let mut setup = Setup::new("keycloak", "http://kc.test", FILE).setting("realm", "people");
    setup.secrets = Secrets::new()
        .with_shown("login", "admin")
        .with("password", "secret");
    let mut server = Keycloak {
        users: vec![("bob".into(), "bob@x.test".into())],
        lookup: LookupAnswer::Real,
        creates: 0,
        lookups: Vec::new(),
    };
    let mut h = Harness::new(setup.job(), Mem::default());
    h.finish(&mut server);
    assert_eq!(h.statuses(), [Status::Created, Status::Exists]);
    assert!(server.lookups.is_empty());
}

/// A conflict's look-up is a request of the run like any other: under a rate limit it
/// waits for the pacer, and the requests after it wait their turn behind it. Sent at
/// once on the create's answer, it came closer to that create than the limit allows
/// (and a 429 on it left the conflict unnamed).
#[test]
fn with_a_rate_limit_a_conflicts_lookup_is_paced_like_the_creates() {
    let file = format!("{FILE}carol@x.test,Pass-carol-1,Carol Example,carol\n");
    let mut setup = Setup::new("keycloak", "http://kc.test", &file).setting("realm", "people");
    setup.secrets = Secrets::new()
        .with_shown("login", "admin")
        .with("password", "secret");
    setup.config.rate_per_min = Some(30);
    let mut server = Keycloak {
        users: vec![("robert".into(), "bob@x.test".into())],
        lookup: LookupAnswer::Real,
        creates: 0,
        lookups: Vec::new(),
    };
    let mut h = Harness::new(setup.job(), Mem::default());
    h.finish(&mut server);
    assert_eq!(h.over, Some(Over::Ran(Some(Ending::Finished))));
    assert_eq!(
        h.statuses(),
        [Status::Created, Status::Rejected, Status::Created]
    );
    assert!(message(&h, 1).contains("The other account is \"robert\""));
    // The token (never paced), then ann's, bob's and carol's creates and bob's look-up.
    let paced: Vec<(u64, String)> = h
        .sent
        .iter()
        .zip(&h.sent_at)
        .filter(|(r, _)| !r.url.contains("/token"))
        .map(|(r, &at)| (at, format!("{:?} {}", r.method, r.url)))
        .collect();
    assert_eq!(paced.len(), 4, "{paced:?}");
    assert_eq!(server.lookups.len(), 1);
    // 30 a minute: one every 2 s, the look-up counted.
    for pair in paced.windows(2) {
        assert!(pair[1].0 - pair[0].0 >= 2_000, "{pair:?} in {paced:?}");
    }
}

/// A look-up waiting for the pacer belongs to a row in flight: cancelling the run does
/// not strand it (the run would never end); it goes when its turn comes and names the
/// other account, and the rows not sent end skipped.
#[test]
fn a_lookup_waiting_for_the_pacer_still_goes_after_a_cancel() {
    let file = format!("{FILE}carol@x.test,Pass-carol-1,Carol Example,carol\n");
    let mut setup = Setup::new("keycloak", "http://kc.test", &file).setting("realm", "people");
    setup.secrets = Secrets::new()
        .with_shown("login", "admin")
        .with("password", "secret");
    setup.config.rate_per_min = Some(30);
    let mut server = Keycloak {
        users: vec![("robert".into(), "bob@x.test".into())],
        lookup: LookupAnswer::Real,
        creates: 0,
        lookups: Vec::new(),
    };
    let mut h = Harness::new(setup.job(), Mem::default());
    // The token, ann's create and bob's, answered: bob's look-up waits for the pacer.
    h.run_until(&mut server, |h| h.sent.len() == 3 && h.in_flight() == 0);
    h.command(roster_core::job::Command::Cancel);
    h.finish(&mut server);
    assert!(h.over.is_some());
    assert_eq!(server.lookups.len(), 1);
    assert_eq!(
        h.statuses(),
        [Status::Created, Status::Rejected, Status::Skipped]
    );
    assert!(message(&h, 1).contains("The other account is \"robert\""));
}

fn profile_with(rule: &str) -> Result<Profile, String> {
    let mut json: Value =
        serde_json::from_str(roster_core::targets::profile::preset_json("keycloak").unwrap())
            .unwrap();
    json["answers"][0] = serde_json::from_str(rule).unwrap();
    Profile::from_json(&serde_json::to_string_pretty(&json).unwrap()).map_err(|e| e.to_string())
}

#[test]
fn a_lookup_belongs_on_a_conflict_and_names_a_pointer() {
    let lookup = r#"{ "request": { "method": "GET", "path": "/admin/realms/{settings.realm}/users?email={user.email}&exact=true" }, "name_at": "/0/username" }"#;
    assert!(profile_with(&format!(
        r#"{{ "status": 409, "then": "conflict", "lookup": {lookup} }}"#
    ))
    .is_ok());
    let e = profile_with(&format!(
        r#"{{ "status": 409, "then": "exists", "lookup": {lookup} }}"#
    ))
    .unwrap_err();
    assert!(
        e.contains("answers[0].lookup") && e.contains("conflict"),
        "{e}"
    );
    let e = profile_with(
        r#"{ "status": 409, "then": "conflict", "lookup": { "request": { "method": "GET", "path": "/users" }, "name_at": "0/username" } }"#,
    )
    .unwrap_err();
    assert!(e.contains("answers[0].lookup.name_at"), "{e}");
    // A secret never goes into the look-up's URL either.
    let e = profile_with(
        r#"{ "status": 409, "then": "conflict", "lookup": { "request": { "method": "GET", "path": "/users?t={token}" }, "name_at": "/0/username" } }"#,
    )
    .unwrap_err();
    assert!(e.contains("answers[0].lookup.request.path"), "{e}");
    let e = profile_with(
        r#"{ "status": 409, "then": "conflict", "lookup": { "request": { "method": "GET", "path": "/users" }, "name_at": "/0/username", "extra": 1 } }"#,
    )
    .unwrap_err();
    assert!(e.contains("extra"), "{e}");
}

/// Keycloak whose token the run must fetch again mid-run: each token call gives a new
/// token, and a create carrying an older one is refused 401 (as Keycloak's bearer check
/// does once a token expired). dan's first create is that 401; bob's first is a 429
/// with `Retry-After`, which holds every request, so carol's look-up waits.
struct Expiring {
    tokens: u32,
    first_tries: Vec<String>,
    lookup_tokens: Vec<String>,
}

impl Server for Expiring {
    fn handle(&mut self, request: &HttpRequest) -> Exchange {
        let path = request.url.strip_prefix("http://kc.test").unwrap();
        if path == "/realms/master/protocol/openid-connect/token" {
            self.tokens += 1;
            let token = format!("kc-token-{}", self.tokens);
            return answer(200, json!({"access_token": token, "expires_in": 60}));
        }
        let bearer = request
            .headers
            .iter()
            .find(|(n, _)| n == "Authorization")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        if path.starts_with("/admin/realms/people/users?") {
            self.lookup_tokens.push(bearer.clone());
            if bearer != format!("Bearer kc-token-{}", self.tokens) {
                return answer(401, json!({"error": "HTTP 401 Unauthorized"}));
            }
            return answer(
                200,
                json!([{"id": "id-robert", "username": "robert", "email": "carol@x.test"}]),
            );
        }
        let Body::Json(text) = &request.body else {
            panic!("a JSON body")
        };
        let body: Value = serde_json::from_str(text).unwrap();
        let username = body["username"].as_str().unwrap().to_owned();
        let first = !self.first_tries.contains(&username);
        self.first_tries.push(username.clone());
        match (username.as_str(), first) {
            ("bob", true) => {
                Exchange::Answered(HttpResponse::new(429, "").with_header("Retry-After", "10"))
            }
            ("carol", _) => answer(409, json!({"errorMessage":"User exists with same email"})),
            ("dan", true) => answer(401, json!({"error": "HTTP 401 Unauthorized"})),
            _ => Exchange::Answered(HttpResponse::new(201, String::new())),
        }
    }
}

/// A look-up queued before the run found its session expired goes with the new
/// session's token, after the new login, not with the old one (which the server would
/// refuse, leaving the conflict unnamed).
#[test]
fn a_lookup_waiting_while_the_run_logs_in_again_carries_the_new_token() {
    let file = "email,password,name,username\n\
ann@x.test,Pass-ann-1,Ann Example,ann\n\
bob@x.test,Pass-bob-1,Bob Example,bob\n\
carol@x.test,Pass-carol-1,Carol Example,carol\n\
dan@x.test,Pass-dan-1,Dan Example,dan\n";
    let mut setup = Setup::new("keycloak", "http://kc.test", file).setting("realm", "people");
    setup.secrets = Secrets::new()
        .with_shown("login", "admin")
        .with("password", "secret");
    setup.config.concurrency = 3;
    let mut server = Expiring {
        tokens: 0,
        first_tries: Vec::new(),
        lookup_tokens: Vec::new(),
    };
    let mut h = Harness::new(setup.job(), Mem::default());
    h.finish(&mut server);
    assert_eq!(h.over, Some(Over::Ran(Some(Ending::Finished))));
    assert_eq!(server.tokens, 2, "the run logged in again once");
    assert_eq!(server.lookup_tokens, ["Bearer kc-token-2"]);
    assert_eq!(
        h.statuses(),
        [
            Status::Created,
            Status::Created,
            Status::Rejected,
            Status::Created
        ]
    );
    assert!(
        message(&h, 2).contains("The other account is \"robert\""),
        "{}",
        message(&h, 2)
    );
}
