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
    /// The first `times` look-ups refused as too many (429, with `Retry-After: s` when
    /// given), as a proxy or gateway in front of Keycloak (or GitLab's Rack::Attack) does;
    /// then as [`LookupAnswer::Real`].
    TooMany {
        times: usize,
        retry_after: Option<u64>,
    },
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
                LookupAnswer::TooMany { times, retry_after } if self.lookups.len() <= times => {
                    let response = HttpResponse::new(429, "Too Many Requests");
                    Exchange::Answered(match retry_after {
                        Some(s) => response.with_header("Retry-After", &s.to_string()),
                        None => response,
                    })
                }
                LookupAnswer::Real | LookupAnswer::TooMany { .. } => {
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

/// The Keycloak preset over `file`, realm "people", logged in as admin.
fn keycloak(file: &str) -> Setup {
    let mut setup = Setup::new("keycloak", "http://kc.test", file).setting("realm", "people");
    setup.secrets = Secrets::new()
        .with_shown("login", "admin")
        .with("password", "secret");
    setup
}

impl Keycloak {
    /// The fake with one account, `username`, holding bob's address; look-ups answered
    /// `lookup`.
    fn with_bob_as(username: &str, lookup: LookupAnswer) -> Keycloak {
        Keycloak {
            users: vec![(username.into(), "bob@x.test".into())],
            lookup,
            creates: 0,
            lookups: Vec::new(),
        }
    }
}

/// Runs the Keycloak preset over FILE where bob's address belongs to "robert".
fn run(lookup: LookupAnswer) -> (Harness<roster_core::job::Job>, Keycloak) {
    let (mut h, mut server) = run_file(FILE, lookup, None);
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
    let setup = keycloak(FILE);
    let mut server = Keycloak::with_bob_as("bob", LookupAnswer::Real);
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
    let (mut h, mut server) = run_file(&file, LookupAnswer::Real, Some(30));
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
    let (mut h, mut server) = run_file(&file, LookupAnswer::Real, Some(30));
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
    let mut setup = keycloak(file);
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

/// Runs the Keycloak preset over `file` (bob's address belongs to "robert") against
/// the fake answering look-ups `lookup`, with `rate_per_min`.
fn run_file(
    file: &str,
    lookup: LookupAnswer,
    rate_per_min: Option<u32>,
) -> (Harness<roster_core::job::Job>, Keycloak) {
    let mut setup = keycloak(file);
    setup.config.rate_per_min = rate_per_min;
    let server = Keycloak::with_bob_as("robert", lookup);
    (Harness::new(setup.job(), Mem::default()), server)
}

/// When each look-up (GET) was sent.
fn lookups_sent_at(h: &Harness<roster_core::job::Job>) -> Vec<u64> {
    h.sent
        .iter()
        .zip(&h.sent_at)
        .filter(|(r, _)| r.method == Method::Get)
        .map(|(_, &at)| at)
        .collect()
}

/// A 429 on a conflict's look-up means "wait and ask again", as for a create: the
/// look-up is sent again after the server's Retry-After, and the row ends a conflict
/// naming the other account (on main it ended unnamed, "could not be named (HTTP 429)").
#[test]
fn a_lookup_answered_429_with_retry_after_is_sent_again_after_the_wait() {
    let (mut h, mut server) = run_file(
        FILE,
        LookupAnswer::TooMany {
            times: 1,
            retry_after: Some(10),
        },
        None,
    );
    h.finish(&mut server);
    assert_eq!(h.over, Some(Over::Ran(Some(Ending::Finished))));
    assert_eq!(h.statuses(), [Status::Created, Status::Rejected]);
    let bob = message(&h, 1);
    assert!(bob.contains("The other account is \"robert\""), "{bob}");
    assert!(!bob.contains("could not be named"), "{bob}");
    // Two look-ups, one create per row: the 429 sends the look-up again, not the create.
    assert_eq!(server.lookups.len(), 2);
    assert_eq!(server.creates, 2);
    let at = lookups_sent_at(&h);
    // The first was answered `latency` after it went; the second waited 10 s from then.
    assert!(at[1] >= at[0] + h.latency + 10_000, "{at:?}");
    assert!(at[1] < at[0] + h.latency + 10_000 + 1_000, "{at:?}");
}

/// Without Retry-After the look-up waits the throttle backoff the creates use
/// (`ThrottleBackoff`: 3 s, then 6 s, … plus up to 1 s).
#[test]
fn a_lookup_answered_429_without_retry_after_waits_the_throttle_backoff() {
    let (mut h, mut server) = run_file(
        FILE,
        LookupAnswer::TooMany {
            times: 2,
            retry_after: None,
        },
        None,
    );
    h.finish(&mut server);
    assert_eq!(h.over, Some(Over::Ran(Some(Ending::Finished))));
    assert_eq!(h.statuses(), [Status::Created, Status::Rejected]);
    assert!(message(&h, 1).contains("The other account is \"robert\""));
    let at = lookups_sent_at(&h);
    assert_eq!(at.len(), 3, "{at:?}");
    let throttle = h.machine.run().config().throttle;
    let (first, second) = (at[1] - at[0] - h.latency, at[2] - at[1] - h.latency);
    assert!(first >= throttle.floor(1), "{at:?}");
    assert!(first <= throttle.floor(1) + throttle.offset_ms, "{at:?}");
    // The second 429 in a row: the backoff doubles, as for creates.
    assert!(second >= throttle.floor(2), "{at:?}");
    assert!(second <= throttle.floor(2) + throttle.offset_ms, "{at:?}");
    assert_eq!(h.machine.run().progress(h.now).rate_limited, 2);
}

/// A look-up's 429 slows the pacer as a create's does: the requests after it go at half
/// the pace they go at without it, and climb back.
#[test]
fn a_lookup_answered_429_slows_the_pacer() {
    let file = format!(
        "{FILE}carol@x.test,Pass-carol-1,Carol Example,carol\n\
dan@x.test,Pass-dan-1,Dan Example,dan\n\
eve@x.test,Pass-eve-1,Eve Example,eve\n"
    );
    let gaps = |lookup| {
        let (mut h, mut server) = run_file(&file, lookup, Some(60));
        h.finish(&mut server);
        assert_eq!(h.over, Some(Over::Ran(Some(Ending::Finished))));
        assert!(message(&h, 1).contains("The other account is \"robert\""));
        // After the token: the creates and the look-ups, in order.
        let at: Vec<u64> = h
            .sent
            .iter()
            .zip(&h.sent_at)
            .filter(|(r, _)| !r.url.contains("/token"))
            .map(|(_, &at)| at)
            .collect();
        at.windows(2).map(|w| w[1] - w[0]).collect::<Vec<u64>>()
    };
    let calm = gaps(LookupAnswer::Real);
    let refused = gaps(LookupAnswer::TooMany {
        times: 1,
        retry_after: Some(1),
    });
    // 60 a minute: one a second, throughout.
    assert!(
        calm.iter().all(|&g| (1_000..1_100).contains(&g)),
        "{calm:?}"
    );
    // Without it: ann, bob, bob's look-up, carol, dan, eve, one a second. With it:
    // ann, bob, the look-up refused, sent again, carol, dan, eve. The look-up sent again
    // waits for the halved pace (30 a minute: 2 s, where the Retry-After asked 1 s),
    // and the creates after it climb back towards the limit but stay slower than 1 s.
    assert_eq!(refused.len(), calm.len() + 1, "{refused:?}");
    assert!(refused[2] >= 2_000, "{calm:?} {refused:?}");
    assert!(
        refused[3..].iter().all(|&g| g > 1_500),
        "{calm:?} {refused:?}"
    );
}

/// Look-ups answered 429 count towards the 429 streak like creates: past
/// `MAX_RATE_LIMIT_STREAK` the run pauses and says why, the look-up waits (sent no
/// more) and the row stays in flight, never ended with an outcome not seen; Resume
/// sends it again.
#[test]
fn lookups_answered_429_past_the_streak_limit_pause_the_run() {
    use roster_core::run::{Phase, MAX_RATE_LIMIT_STREAK};
    let (mut h, mut server) = run_file(
        FILE,
        LookupAnswer::TooMany {
            times: usize::MAX,
            retry_after: Some(1),
        },
        None,
    );
    h.run_until(&mut server, |h| *h.machine.run().phase() == Phase::Paused);
    let hold = h.machine.run().hold().unwrap_or_default().to_owned();
    assert!(
        hold.contains(&format!(
            "refused {MAX_RATE_LIMIT_STREAK} requests in a row"
        )),
        "{hold}"
    );
    assert_eq!(server.lookups.len(), MAX_RATE_LIMIT_STREAK as usize);
    assert_eq!(h.statuses()[1], Status::Sending, "{}", message(&h, 1));
    // Paused: the look-up is not sent again, however long the run waits.
    let before = h.sent.len();
    for _ in 0..50 {
        h.step(&mut server);
    }
    assert!(h.now > 5_000 + h.sent_at[before - 1]);
    assert_eq!(h.sent.len(), before);
    assert_eq!(h.statuses()[1], Status::Sending);
    // The server lets it through now: Resume sends it, and the row ends named.
    server.lookup = LookupAnswer::Real;
    h.command(roster_core::job::Command::Resume);
    h.finish(&mut server);
    assert_eq!(h.over, Some(Over::Ran(Some(Ending::Finished))));
    assert_eq!(h.statuses(), [Status::Created, Status::Rejected]);
    assert!(message(&h, 1).contains("The other account is \"robert\""));
    assert_eq!(server.lookups.len(), MAX_RATE_LIMIT_STREAK as usize + 1);
}
