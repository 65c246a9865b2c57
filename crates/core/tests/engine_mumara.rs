//! The engine against a scripted Mumara on a fake clock: pacing to the key's rate limit,
//! 429s, lost answers, and the answers that stop a run.

use std::collections::{BTreeMap, VecDeque};

use roster_core::http::{Body, Exchange, HttpRequest, HttpResponse};
use roster_core::input::map::{Field, Mapping};
use roster_core::input::plan::{plan, users_of};
use roster_core::input::read::read;
use roster_core::input::validate::Rules;
use roster_core::run::pace::Backoff;
use roster_core::run::{Command, Phase, Run, RunConfig, Status};
use roster_core::targets::mumara::{Mumara, MumaraDefaults};
use roster_core::targets::send::{Secrets, StopKind};
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    Gateway502,
    LoseAnswer,
    /// The user was stored, then the framework's error page: HTTP 500 HTML.
    ServerError500AfterInsert,
}

/// Laravel-style throttle: `limit` requests per fixed window that starts at the first
/// request after the previous window ended.
struct FakeMumara {
    key: &'static str,
    packages: Vec<u64>,
    limit: usize,
    window_ms: u64,
    window: Option<(u64, usize)>,
    users: BTreeMap<String, u64>,
    faults: VecDeque<Option<Fault>>,
    accepted: usize,
    rate_limited: usize,
    /// Laravel's `unique` rule: a taken address answers 422 with an `errors` map
    /// instead of Mumara's own "User already exists.".
    taken_as_422: bool,
    /// ThrottleRequests' headers on every answer (`X-RateLimit-Limit`, `-Remaining`).
    states_limit: bool,
    /// `Retry-After` as an HTTP-date (with the answer's `Date` header when `Some(true)`).
    retry_after_date: Option<bool>,
    /// An unauthenticated request is redirected to `/login` (not followed).
    redirects_to_login: bool,
    /// Every request is redirected, and the browser could not learn where to.
    redirects_nowhere_known: bool,
    requests: usize,
    /// Laravel's own clock: the fake clock's zero is at `EPOCH_MS + phase` on the wall,
    /// and a window ends on a whole second, as `RateLimiter::hit` stores it
    /// (`availableAt($decaySeconds)`: `time() + 60`, and a file or database cache
    /// entry that expires at that second): a window that starts 0.9 s into a second
    /// lasts 59.1 s. `None`: a window lasts exactly `window_ms` from its first request.
    laravel_phase_ms: Option<u64>,
    /// With `laravel_phase_ms`: the cache is Redis, whose entries expire exactly
    /// `window_ms` after the window's first hit (`SET … EX`), while `Retry-After` is still
    /// the timer's whole second minus the current one: up to a second short.
    redis_store: bool,
    /// The current window's timer (`availableAt`), on the fake clock.
    timer: u64,
    /// When each request arrived, and whether it was answered 429.
    log: Vec<(u64, bool)>,
}

/// Unix ms of the fake clock's zero, for HTTP-dates: 2026-12-01T07:00:00Z.
const EPOCH_MS: u64 = 1_796_108_400_000;

fn http_date(ms: u64) -> String {
    httpdate::fmt_http_date(std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms))
}

impl FakeMumara {
    fn new(limit: usize) -> FakeMumara {
        FakeMumara {
            key: "sandbox-key",
            packages: vec![1, 2, 3],
            limit,
            window_ms: 60_000,
            window: None,
            users: BTreeMap::new(),
            faults: VecDeque::new(),
            accepted: 0,
            rate_limited: 0,
            taken_as_422: false,
            states_limit: false,
            retry_after_date: None,
            redirects_to_login: false,
            redirects_nowhere_known: false,
            requests: 0,
            laravel_phase_ms: None,
            redis_store: false,
            timer: 0,
            log: Vec::new(),
        }
    }

    /// The end and the timer of a window whose first request arrives at `now`.
    fn window_end(&self, now: u64) -> (u64, u64) {
        match self.laravel_phase_ms {
            Some(phase) => {
                let wall = EPOCH_MS + phase + now;
                let timer = (wall / 1000) * 1000 + self.window_ms - EPOCH_MS - phase;
                if self.redis_store {
                    (now + self.window_ms, timer)
                } else {
                    (timer, timer)
                }
            }
            None => (now + self.window_ms, now + self.window_ms),
        }
    }

    fn answer(status: u16, body: Value, headers: Vec<(String, String)>) -> Exchange {
        Exchange::Answered(HttpResponse {
            status,
            headers,
            body: body.to_string(),
        })
    }

    fn handle(&mut self, req: &HttpRequest, now: u64) -> Exchange {
        let limited_before = self.rate_limited;
        let answer = self.handle_inner(req, now);
        self.log.push((now, self.rate_limited > limited_before));
        if !self.states_limit {
            return answer;
        }
        let Exchange::Answered(mut response) = answer else {
            return answer;
        };
        let used = self.window.map_or(0, |(_, c)| c);
        response
            .headers
            .push(("X-RateLimit-Limit".into(), self.limit.to_string()));
        response.headers.push((
            "X-RateLimit-Remaining".into(),
            self.limit.saturating_sub(used).to_string(),
        ));
        Exchange::Answered(response)
    }

    fn handle_inner(&mut self, req: &HttpRequest, now: u64) -> Exchange {
        if self.redirects_nowhere_known {
            self.requests += 1;
            return Exchange::redirected(None);
        }
        self.requests += 1;
        // `window` holds the window's end and its count.
        let (end, count) = match self.window {
            Some((end, count)) if now < end => (end, count),
            _ => {
                let (end, timer) = self.window_end(now);
                self.timer = timer;
                (end, 0)
            }
        };
        if count >= self.limit {
            self.rate_limited += 1;
            let secs = match self.laravel_phase_ms {
                // `RateLimiter::availableIn`: the timer (whole seconds) minus
                // `currentTime()` (whole seconds), never below 0.
                Some(phase) => ((EPOCH_MS + phase + self.timer) / 1000)
                    .saturating_sub((EPOCH_MS + phase + now) / 1000),
                None => (end - now).div_ceil(1000),
            };
            let mut headers = vec![];
            match self.retry_after_date {
                None => headers.push(("Retry-After".into(), secs.to_string())),
                Some(with_date) => {
                    // The reset as a date: whole seconds, as a proxy writes it.
                    let wall = EPOCH_MS + self.laravel_phase_ms.unwrap_or(0) + now;
                    let reset = match self.laravel_phase_ms {
                        Some(_) => (wall / 1000 + secs) * 1000,
                        None => wall + secs * 1000,
                    };
                    headers.push(("Retry-After".into(), http_date(reset)));
                    if with_date {
                        headers.push(("Date".into(), http_date(wall)));
                    }
                }
            }
            let wall = EPOCH_MS + self.laravel_phase_ms.unwrap_or(0) + now;
            headers.push(("X-RateLimit-Reset".into(), (wall / 1000 + secs).to_string()));
            return Self::answer(429, json!({"message": "Too Many Attempts."}), headers);
        }
        self.window = Some((end, count + 1));
        let bearer = req
            .headers
            .iter()
            .find(|(n, _)| n == "Authorization")
            .map(|(_, v)| v.as_str());
        if bearer != Some(&format!("Bearer {}", self.key)) {
            if self.redirects_to_login {
                // Not followed (redirect: "manual"); the page learned the Location
                // from a plain GET of the same address.
                return Exchange::redirected(Some("http://sandbox/login"));
            }
            return Self::answer(
                401,
                json!({"status":"error","result":"Unauthenticated."}),
                vec![],
            );
        }
        let Body::Json(text) = &req.body else {
            panic!("Mumara takes JSON")
        };
        let body: Value = serde_json::from_str(text).unwrap();
        let fault = self.faults.pop_front().flatten();
        if fault == Some(Fault::Gateway502) {
            return Self::answer(502, json!("bad gateway"), vec![]);
        }
        let package = body["package_id"].as_u64().unwrap_or(0);
        if !self.packages.contains(&package) {
            return Self::answer(
                200,
                json!({"status":"error","result":"Error: Package doesn`t exsit"}),
                vec![],
            );
        }
        let email = body["email"].as_str().unwrap().to_lowercase();
        if self.users.contains_key(&email) && self.taken_as_422 {
            return Self::answer(
                422,
                json!({"message":"The given data was invalid.","errors":{"email":["The email has already been taken."]}}),
                vec![],
            );
        }
        if self.users.contains_key(&email) {
            return Self::answer(
                200,
                json!({"status":"error","result":"Error: User already exists."}),
                vec![],
            );
        }
        self.accepted += 1;
        let id = self.accepted as u64 + 1;
        self.users.insert(email, id);
        if fault == Some(Fault::LoseAnswer) {
            return Exchange::NoAnswer {
                detail: "Failed to fetch".into(),
            };
        }
        if fault == Some(Fault::ServerError500AfterInsert) {
            return Exchange::Answered(HttpResponse::new(
                500,
                "<!DOCTYPE html><html><head><title>Server Error</title></head><body>500 | Server Error</body></html>",
            ));
        }
        Self::answer(
            200,
            json!({"status":"success","result":"User has been successfully created.","response":{"id":id,"user_id":1}}),
            vec![],
        )
    }
}

fn file(n: usize) -> String {
    (0..n)
        .map(|i| format!("name,email,password\nUser {i},u{i}@x.y,pw{i}\n"))
        .enumerate()
        .map(|(i, s)| {
            if i == 0 {
                s
            } else {
                s.lines().nth(1).unwrap().to_owned() + "\n"
            }
        })
        .collect()
}

fn start(n: usize, key: &str, package: u64, config: RunConfig) -> Run {
    start_file(&file(n), key, package, config)
}

fn start_file(text: &str, key: &str, package: u64, config: RunConfig) -> Run {
    let table = read(text.as_bytes()).unwrap();
    let target = Mumara::new(
        "http://sandbox",
        MumaraDefaults {
            package_id: Some(package),
            timezone: None,
        },
    );
    let planned = plan(
        &table,
        &Mapping::auto(&table),
        &[Field::Email, Field::Password, Field::Name],
    );
    assert!(planned.iter().all(|p| p.is_valid()));
    let rules = Rules {
        required: vec![Field::Email, Field::Password, Field::Name],
        ..Rules::default()
    };
    let users = users_of(table.clone(), Mapping::auto(&table), rules);
    Run::new(
        Box::new(target),
        Secrets::new().with("api_key", key),
        &planned,
        users,
        config,
        0,
    )
}

/// Runs to the end with every answer taking `latency` ms; requests in flight overlap.
fn drive(run: &mut Run, server: &mut FakeMumara, latency: u64) -> u64 {
    drive_from(run, server, latency, 0)
}

/// [`drive`] from `start` on the fake clock; returns the end time.
fn drive_from(run: &mut Run, server: &mut FakeMumara, latency: u64, start: u64) -> u64 {
    let mut now = start;
    let mut in_flight: Vec<(u64, usize, HttpRequest)> = Vec::new();
    let mut steps = 0;
    while !run.is_over() {
        steps += 1;
        assert!(steps < 1_000_000, "the run does not end");
        while let Some(cmd) = run.next_command(now) {
            match cmd {
                Command::Create { row, request } => in_flight.push((now + latency, row, request)),
                Command::Login(_)
                | Command::Probe { .. }
                | Command::Update { .. }
                | Command::Step { .. }
                | Command::Lookup { .. } => {
                    panic!("Mumara has no login and no probe")
                }
            }
        }
        let next_answer = in_flight.iter().map(|(t, _, _)| *t).min();
        let wake = run.next_wake(now);
        let next = match (next_answer, wake) {
            (Some(a), Some(w)) => a.min(w),
            (Some(a), None) => a,
            (None, Some(w)) => w,
            (None, None) if run.is_over() => break,
            (None, None) => panic!(
                "stuck in {:?} at {now}: {:?}",
                run.phase(),
                run.progress(now)
            ),
        };
        // A wake-up due now that yielded no command would spin: step the clock.
        now = if next <= now && next_answer.is_none_or(|a| a > now) {
            now + 1
        } else {
            next.max(now)
        };
        // The server sees a request when it arrives (here: at answer time).
        let (due, rest): (Vec<_>, Vec<_>) = in_flight.into_iter().partition(|(t, _, _)| *t <= now);
        in_flight = rest;
        for (_, row, request) in due {
            let answer = server.handle(&request, now);
            run.on_create(row, &answer, now);
        }
    }
    now
}

#[test]
fn paced_run_holds_the_rate_limit_without_429s() {
    let mut server = FakeMumara::new(60);
    let config = RunConfig {
        rate_per_min: Some(60),
        ..RunConfig::default()
    };
    let mut run = start(150, "sandbox-key", 1, config);
    let end = drive(&mut run, &mut server, 50);
    assert_eq!(run.counts().get(Status::Created), 150);
    assert!(server.rate_limited <= 2, "{} 429s", server.rate_limited);
    // 150 requests at one a second: about 149 s, and never faster than the limit.
    let achieved = 150.0 * 60_000.0 / end as f64;
    assert!(
        (58.0..=61.0).contains(&achieved),
        "{achieved} per minute over {end} ms"
    );
}

#[test]
fn unpaced_run_obeys_retry_after_and_slows_down() {
    let mut server = FakeMumara::new(20);
    let mut run = start(60, "sandbox-key", 1, RunConfig::default());
    let end = drive(&mut run, &mut server, 20);
    assert_eq!(run.counts().get(Status::Created), 60);
    assert_eq!(server.users.len(), 60);
    // The first window's burst hits 429s, after which the pacer holds the pace.
    let progress = run.progress(end);
    assert_eq!(progress.rate_limited as usize, server.rate_limited);
    assert!(server.rate_limited < 10, "{} 429s", server.rate_limited);
    assert!(
        end >= 120_000,
        "three windows of 20 take at least two minutes: {end}"
    );
    assert!(
        run.rows().iter().all(|r| r.attempts == 1),
        "429s do not use up attempts"
    );
}

#[test]
fn refused_key_stops_after_one_request() {
    let mut server = FakeMumara::new(60);
    let mut run = start(10, "wrong-key", 1, RunConfig::default());
    drive(&mut run, &mut server, 10);
    let Phase::Stopped(reason) = run.phase() else {
        panic!("{:?}", run.phase())
    };
    assert!(reason.message.contains("401"), "{reason}");
    let counts = run.counts();
    assert_eq!(counts.get(Status::Failed), 1);
    assert_eq!(counts.get(Status::Skipped), 9);
    assert_eq!(run.progress(0).requests, 1, "one request, not a burst");
}

#[test]
fn unknown_package_for_every_row_stops_the_run() {
    let mut server = FakeMumara::new(60);
    let mut run = start(10, "sandbox-key", 99, RunConfig::default());
    drive(&mut run, &mut server, 10);
    assert!(matches!(run.phase(), Phase::Stopped(r) if r.message.contains("Package")));
    let counts = run.counts();
    // Three refusals stop it; those already in flight (at most 4) finish as refused.
    let rejected = counts.get(Status::Rejected);
    assert!((3..=6).contains(&rejected), "{rejected} rejected");
    assert_eq!(counts.get(Status::Skipped), 10 - rejected);
    assert_eq!(server.users.len(), 0);
}

#[test]
fn lost_answers_and_502s_resolve_without_double_creates() {
    let mut server = FakeMumara::new(1_000);
    server.faults = [
        Some(Fault::LoseAnswer),
        Some(Fault::Gateway502),
        None,
        Some(Fault::LoseAnswer),
    ]
    .into();
    let config = RunConfig {
        concurrency: 1,
        backoff: Backoff {
            base_ms: 10,
            cap_ms: 100,
        },
        ..RunConfig::default()
    };
    let mut run = start(5, "sandbox-key", 1, config);
    drive(&mut run, &mut server, 10);
    let rows = run.rows();
    assert_eq!(server.users.len(), 5);
    assert_eq!(rows[0].status, Status::Exists);
    assert!(rows[0].message.contains("most likely created"));
    assert_eq!(rows[1].status, Status::Created);
    assert!(rows[1].message.contains("lost"));
    let reported: usize = [Status::Created, Status::Exists]
        .iter()
        .map(|s| run.counts().get(*s))
        .sum();
    assert_eq!(reported, 5);
    for (i, row) in rows.iter().enumerate() {
        if row.status == Status::Created {
            let id = server.users[&format!("u{i}@x.y")];
            assert_eq!(row.target_id, Some(id.to_string()));
        }
    }
}

#[test]
fn laravel_422_taken_rows_end_exists_and_the_run_goes_on() {
    let mut server = FakeMumara::new(1_000);
    server.taken_as_422 = true;
    for i in [0, 3, 7] {
        server.users.insert(format!("u{i}@x.y"), 100 + i as u64);
    }
    let mut run = start(10, "sandbox-key", 1, RunConfig::default());
    drive(&mut run, &mut server, 10);
    assert_eq!(run.phase(), &Phase::Finished, "{:?}", run.phase());
    let counts = run.counts();
    assert_eq!(counts.get(Status::Exists), 3);
    assert_eq!(counts.get(Status::Created), 7);
    assert!(run.rows()[3].message.contains("already been taken"));
}

#[test]
fn an_unstated_limit_is_learned_from_x_ratelimit_limit() {
    let mut server = FakeMumara::new(120);
    server.states_limit = true;
    // The user typed no rate: the run learns 120/min from the first answer.
    let mut run = start(240, "sandbox-key", 1, RunConfig::default());
    let end = drive(&mut run, &mut server, 20);
    assert_eq!(run.counts().get(Status::Created), 240);
    assert_eq!(run.progress(end).server_limit_per_min, Some(120));
    assert!(server.rate_limited <= 1, "{} 429s", server.rate_limited);
    // The pace, not a timing assertion on real time: the fake clock's end, against
    // the bound of rows / limit (two minutes).
    let ratio = end as f64 / 120_000.0;
    assert!((0.95..=1.1).contains(&ratio), "ratio {ratio} ({end} ms)");
}

#[test]
fn a_429_seconds_into_a_run_slows_it_to_about_the_limit_not_to_a_crawl() {
    // 4 requests per 3 s (80 a minute), no limit stated, no rate typed. The first 429
    // comes after 4 requests in a few milliseconds: the run was sending far faster than
    // 4 a minute, and must slow down from that pace, not to 4 (or 2) a minute.
    let mut server = FakeMumara::new(4);
    server.window_ms = 3_000;
    let mut run = start(12, "sandbox-key", 1, RunConfig::default());
    let end = drive(&mut run, &mut server, 20);
    assert_eq!(run.counts().get(Status::Created), 12);
    // 12 rows at the server's 80 a minute take 6 s at the least (three windows); paced
    // from the 4 requests seen so far it would take minutes.
    assert!(end >= 6_000, "{end}");
    assert!(
        end <= 30_000,
        "the run crawled: {end} ms, {} 429s",
        server.rate_limited
    );
}

#[test]
fn a_typed_rate_above_the_stated_limit_is_lowered_to_it() {
    let mut server = FakeMumara::new(30);
    server.states_limit = true;
    let config = RunConfig {
        rate_per_min: Some(600),
        ..RunConfig::default()
    };
    let mut run = start(60, "sandbox-key", 1, config);
    let end = drive(&mut run, &mut server, 10);
    assert_eq!(run.counts().get(Status::Created), 60);
    assert!(server.rate_limited <= 1, "{} 429s", server.rate_limited);
    assert!(end >= 110_000, "held the server's 30/min: {end}");
}

#[test]
fn retry_after_as_an_http_date_is_honoured() {
    for with_date_header in [true, false] {
        let mut server = FakeMumara::new(5);
        server.retry_after_date = Some(with_date_header);
        server.window_ms = 10_000;
        let mut run = start(12, "sandbox-key", 1, RunConfig::default()).with_wall_clock(EPOCH_MS);
        let end = drive(&mut run, &mut server, 10);
        assert_eq!(run.counts().get(Status::Created), 12);
        assert!(server.rate_limited < 8, "{} 429s", server.rate_limited);
        assert!(end >= 20_000, "three windows of 10 s: {end}");
        assert!(run.rows().iter().all(|r| r.attempts == 1));
    }
}

#[test]
fn endless_429s_pause_the_run_naming_the_limit() {
    let mut server = FakeMumara::new(0);
    server.states_limit = true;
    let mut run = start(5, "sandbox-key", 1, RunConfig::default());
    let mut now = 0;
    let mut in_flight = Vec::new();
    for _ in 0..10_000 {
        if run.phase() != &Phase::Running && in_flight.is_empty() {
            break;
        }
        while let Some(Command::Create { row, request }) = run.next_command(now) {
            in_flight.push((row, request));
        }
        now += 10;
        for (row, request) in std::mem::take(&mut in_flight) {
            let answer = server.handle(&request, now);
            run.on_create(row, &answer, now);
        }
        if let Some(wake) = run.next_wake(now) {
            now = now.max(wake);
        }
    }
    assert_eq!(run.phase(), &Phase::Paused);
    let hold = run.hold().expect("a reason");
    assert!(hold.contains("429"), "{hold}");
    assert!(hold.contains("Requests per minute"), "{hold}");
    assert_eq!(server.rate_limited, 8);
    assert_eq!(run.counts().get(Status::Pending), 5, "nothing lost");
}

#[test]
fn a_redirect_to_the_login_page_stops_after_one_request() {
    let mut server = FakeMumara::new(60);
    server.redirects_to_login = true;
    let mut run = start(10, "wrong-key", 1, RunConfig::default());
    drive(&mut run, &mut server, 10);
    let Phase::Stopped(stop) = run.phase() else {
        panic!("{:?}", run.phase())
    };
    assert_eq!(stop.kind, StopKind::CredentialsRefused);
    assert!(stop.message.contains("login page"), "{stop}");
    assert_eq!(server.requests, 1);
    assert_eq!(run.counts().get(Status::Skipped), 9);
}

#[test]
fn a_request_the_browser_would_not_send_is_refused_never_unknown() {
    use roster_core::targets::mumara::{Mumara, MumaraDefaults};
    use roster_core::targets::send::{Outcome, Target};
    let mumara = Mumara::new("http://sandbox", MumaraDefaults::default());
    let reason =
        "The header X-Name cannot be sent: its value holds a character outside Latin-1 (U+6771)";
    match mumara.read_create(&Exchange::NotSent {
        reason: reason.into(),
    }) {
        Outcome::Rejected { message, .. } => {
            assert!(
                message.starts_with("Not sent:") && message.contains("X-Name"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_redirect_to_an_unknown_place_stops_with_the_row_unknown() {
    let mut server = FakeMumara::new(60);
    server.redirects_nowhere_known = true;
    let mut run = start(10, "sandbox-key", 1, RunConfig::default());
    drive(&mut run, &mut server, 10);
    let Phase::Stopped(stop) = run.phase() else {
        panic!("{:?}", run.phase())
    };
    assert_eq!(stop.kind, StopKind::NotTheApi);
    assert!(stop.message.contains("does not show where"), "{stop}");
    assert_eq!(server.requests, 1, "nothing sent after the redirect");
    // The server may have acted before redirecting: never created, never failed.
    assert_eq!(run.counts().get(Status::Unknown), 1);
    assert_eq!(run.counts().get(Status::Skipped), 9);
}

#[test]
fn a_500_after_the_insert_is_resolved_by_the_retry() {
    let mut server = FakeMumara::new(1_000);
    server.taken_as_422 = true;
    server.faults = [None, Some(Fault::ServerError500AfterInsert)].into();
    let config = RunConfig {
        concurrency: 1,
        backoff: Backoff {
            base_ms: 10,
            cap_ms: 100,
        },
        ..RunConfig::default()
    };
    let mut run = start(3, "sandbox-key", 1, config);
    drive(&mut run, &mut server, 10);
    let rows = run.rows();
    assert_eq!(rows[1].status, Status::Exists, "{}", rows[1].message);
    assert!(rows[1].message.contains("most likely created"));
    assert_eq!(run.counts().get(Status::Created), 2);
    assert_eq!(server.users.len(), 3);
}

#[test]
fn rows_with_their_own_package_never_stop_the_run() {
    // Every row names its own package, and five of them name one that does not exist:
    // each is refused on its own, and the rest are created.
    let mut text = String::from("name,email,password,package_id\n");
    for i in 0..10 {
        let package = if i < 5 { 99 } else { 1 };
        text.push_str(&format!("User {i},u{i}@x.y,pw{i},{package}\n"));
    }
    let mut server = FakeMumara::new(1_000);
    let mut run = start_file(&text, "sandbox-key", 1, RunConfig::default());
    drive(&mut run, &mut server, 10);
    assert_eq!(run.phase(), &Phase::Finished, "{:?}", run.phase());
    assert_eq!(run.counts().get(Status::Rejected), 5);
    assert_eq!(run.counts().get(Status::Created), 5);
}

#[test]
fn html_as_the_first_answer_is_a_wrong_server_and_stops() {
    // No redirect, no JSON: a page that is not Mumara's API. One request, then a stop
    // the diagnosis reads; the row is unknown (something answered it), never failed.
    let mut run = start(5, "sandbox-key", 1, RunConfig::default());
    let Some(Command::Create { row, .. }) = run.next_command(0) else {
        panic!("a create first")
    };
    assert!(
        run.next_command(0).is_none(),
        "one at a time until an answer"
    );
    let page = HttpResponse::new(200, "<!DOCTYPE html><html><body>Welcome</body></html>")
        .with_header("Content-Type", "text/html");
    run.on_create(row, &Exchange::Answered(page), 10);
    let Phase::Stopped(stop) = run.phase() else {
        panic!("{:?}", run.phase())
    };
    assert_eq!(stop.kind, StopKind::NotTheApi);
    assert!(stop.kind.wants_diagnosis());
    assert_eq!(run.rows()[row].status, Status::Unknown);
    assert_eq!(run.counts().get(Status::Skipped), 4);
    assert!(run.is_over());
}

#[test]
fn every_form_of_a_refused_key_stops_after_one_request() {
    let answers = [
        (
            401,
            r#"{"message":"Unauthenticated."}"#,
            StopKind::CredentialsRefused,
        ),
        (
            403,
            r#"{"message":"This action is unauthorized."}"#,
            StopKind::AccessDenied,
        ),
        (
            419,
            r#"{"message":"CSRF token mismatch."}"#,
            StopKind::NotTheApi,
        ),
        (
            200,
            r#"{"status":"error","result":"Error: Invalid API token."}"#,
            StopKind::CredentialsRefused,
        ),
        (
            200,
            r#"{"status":"error","result":"Error: User limit reached for your license."}"#,
            StopKind::Limit,
        ),
    ];
    for (status, body, kind) in answers {
        let mut run = start(5, "sandbox-key", 1, RunConfig::default());
        let Some(Command::Create { row, .. }) = run.next_command(0) else {
            panic!("a create first")
        };
        assert!(
            run.next_command(0).is_none(),
            "one at a time until an answer"
        );
        run.on_create(
            row,
            &Exchange::Answered(HttpResponse::new(status, body)),
            10,
        );
        let Phase::Stopped(stop) = run.phase() else {
            panic!("{status} {body}: {:?}", run.phase())
        };
        assert_eq!(stop.kind, kind, "{body}");
        assert_eq!(stop.code, Some(i64::from(status)), "{body}");
        assert_eq!(run.rows()[row].status, Status::Failed, "{body}");
        assert_eq!(run.counts().get(Status::Skipped), 4, "{body}");
        assert!(run.rows().iter().skip(1).all(|r| r.code.is_none()));
        assert!(run.is_over());
    }
}

#[test]
fn an_unrecognised_error_rejects_that_row_and_the_run_goes_on() {
    let mut run = start(3, "sandbox-key", 1, RunConfig::default());
    let mut now = 0;
    let mut answers = [
        r#"{"status":"error","result":"Error: Something odd."}"#,
        r#"{"status":"success","result":"ok","response":{"id":5}}"#,
        r#"{"status":"success","result":"ok","response":{"id":6}}"#,
    ]
    .into_iter();
    while !run.is_over() {
        while let Some(Command::Create { row, .. }) = run.next_command(now) {
            now += 10;
            let body = answers.next().expect("three answers");
            run.on_create(row, &Exchange::Answered(HttpResponse::new(200, body)), now);
        }
        if let Some(w) = run.next_wake(now) {
            now = now.max(w) + 1;
        }
    }
    assert_eq!(
        run.rows().iter().map(|r| r.status).collect::<Vec<_>>(),
        [Status::Rejected, Status::Created, Status::Created]
    );
    assert_eq!(run.rows()[0].message, "Error: Something odd.");
}

/// Issue 20's two runs against a limit Mumara states on every answer (Laravel's
/// `ThrottleRequests`: `X-RateLimit-Limit` and `-Remaining`; every request it lets
/// through counts, a 422 included, a 429 not), with Requests per minute left at the
/// target's default (60): the limit must hold from the first answer on, with at most one
/// 429, and the run must end within 1.1 × rows / limit. Tried at several phases of the
/// wall clock's second (a Laravel window ends on a whole second) and several latencies.
#[derive(Debug, Clone, Copy)]
struct Case {
    phase_ms: u64,
    latency: u64,
    redis: bool,
    /// The key's window began this long before the run, with this many hits in it
    /// (another client, or the previous run).
    prior: Option<(u64, usize)>,
}

fn stated_limit_run(
    limit: usize,
    rows: usize,
    taken: &[usize],
    http_date: bool,
    case: Case,
) -> (u64, FakeMumara, Run) {
    let Case {
        phase_ms,
        latency,
        redis,
        prior,
    } = case;
    let mut server = FakeMumara::new(limit);
    server.states_limit = true;
    server.taken_as_422 = true;
    server.laravel_phase_ms = Some(phase_ms);
    server.redis_store = redis;
    if let Some((ago, hits)) = prior {
        // The run starts at 100 s on the fake clock; the earlier window before it.
        let start = RUN_START - ago;
        let (end, timer) = server.window_end(start);
        server.window = Some((end, hits));
        server.timer = timer;
    }
    server.retry_after_date = http_date.then_some(false);
    for &i in taken {
        server.users.insert(format!("u{i}@x.y"), 100 + i as u64);
    }
    let config = RunConfig {
        rate_per_min: Some(60),
        ..RunConfig::default()
    };
    let mut run = start(rows, "sandbox-key", 1, config).with_wall_clock(EPOCH_MS + phase_ms);
    let end = drive_from(&mut run, &mut server, latency, RUN_START);
    (end - RUN_START, server, run)
}

/// When the issue-20 runs start on the fake clock (room for an earlier window before).
const RUN_START: u64 = 100_000;

fn assert_stated_limit_held(limit: usize, rows: usize, taken: &[usize], http_date: bool) {
    let mut cases = Vec::new();
    for phase_ms in [0, 250, 500, 900, 999] {
        for latency in [5, 40, 150, 400] {
            for redis in [false, true] {
                for prior in [
                    None,
                    Some((2_000, limit / 2)),
                    Some((20_000, limit / 2)),
                    Some((50_000, limit - 1)),
                ] {
                    cases.push(Case {
                        phase_ms,
                        latency,
                        redis,
                        prior,
                    });
                }
            }
        }
    }
    let mut failures = Vec::new();
    for case in cases {
        let (end, server, run) = stated_limit_run(limit, rows, taken, http_date, case);
        let what = format!("limit {limit}, {rows} rows, {case:?}");
        assert_eq!(run.phase(), &Phase::Finished, "{what}");
        assert_eq!(
            run.counts().get(Status::Created),
            rows - taken.len(),
            "{what}"
        );
        assert_eq!(run.counts().get(Status::Exists), taken.len(), "{what}");
        let bound = rows as f64 / limit as f64 * 60_000.0;
        if server.rate_limited > 1 || end as f64 > 1.1 * bound {
            failures.push(format!(
                "{what}: {} × 429 at {:?}, {end} ms = {:.3} × rows/limit",
                server.rate_limited,
                server
                    .log
                    .iter()
                    .filter(|(_, l)| *l)
                    .map(|(t, _)| t - RUN_START)
                    .collect::<Vec<_>>(),
                end as f64 / bound
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} runs broke the limit or the time bound:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_stated_limit_of_20_with_422s_and_an_http_date_is_held() {
    assert_stated_limit_held(20, 30, &[3, 11, 19], true);
}

#[test]
fn a_stated_limit_of_30_is_held_and_45_rows_end_within_a_tenth_over_rows_per_limit() {
    assert_stated_limit_held(30, 45, &[], false);
}
