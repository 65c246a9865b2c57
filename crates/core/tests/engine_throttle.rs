//! The engine against 429s on a fake clock (issue 20): a 429 whose `Retry-After` the page
//! cannot read (Microsoft Graph exposes no `Retry-After` to pages) is backed off as
//! Graph's throttling guidance says, and a `Retry-After` past the ceiling pauses the run
//! instead of waiting it out.

use std::sync::Arc;

use roster_core::http::{Exchange, HttpRequest, HttpResponse};
use roster_core::input::map::UserRow;
use roster_core::input::plan::PlannedRow;
use roster_core::run::pace::{ThrottleBackoff, RETRY_AFTER_CEILING_MS};
use roster_core::run::{Command, Phase, Run, RunConfig, Status};
use roster_core::targets::profile::{presets, Profile, ProfileTarget};
use roster_core::targets::send::Secrets;
use serde_json::json;

fn preset(id: &str) -> Arc<Profile> {
    Arc::new(presets().into_iter().find(|p| p.id == id).unwrap())
}

fn rows(n: usize) -> (Vec<PlannedRow>, Vec<UserRow>) {
    (0..n)
        .map(|i| {
            let email = format!("u{i}@example.com");
            (
                PlannedRow {
                    line: i as u32 + 2,
                    email: email.clone().into(),
                    username: format!("u{i}").into(),
                    has_password: true,
                    excluded: false,
                    findings: Default::default(),
                },
                UserRow {
                    email,
                    password: format!("Pw-{i}-x7Q!"),
                    name: Some(format!("User {i}")),
                    username: Some(format!("u{i}")),
                    ..UserRow::default()
                },
            )
        })
        .unzip()
}

fn graph_run(n: usize) -> Run {
    let (plan, users) = rows(n);
    let target = ProfileTarget::new(
        preset("graph"),
        "https://graph.microsoft.com",
        &Default::default(),
    );
    Run::new(
        Box::new(target),
        Secrets::new().with("access_token", "tok"),
        &plan,
        move |i| users.get(i).cloned(),
        RunConfig::default(),
        0,
    )
}

/// Graph's throttle as a page sees it: `limit` creates per fixed `window_ms` from the
/// window's first request; over it, 429 `TooManyRequests` whose `Retry-After` the page
/// cannot read (Graph's CORS rule does not expose it), so the answer has none.
struct FakeGraph {
    limit: usize,
    window_ms: u64,
    window: Option<(u64, usize)>,
    created: usize,
    /// Arrival times of the 429s.
    limited: Vec<u64>,
    /// `Retry-After` (seconds) to put on 429s the page can read, if any.
    readable_retry_after: Option<u64>,
}

impl FakeGraph {
    fn new(limit: usize, window_ms: u64) -> FakeGraph {
        FakeGraph {
            limit,
            window_ms,
            window: None,
            created: 0,
            limited: Vec::new(),
            readable_retry_after: None,
        }
    }

    fn handle(&mut self, _request: &HttpRequest, now: u64) -> Exchange {
        let (start, count) = match self.window {
            Some((start, count)) if now < start + self.window_ms => (start, count),
            _ => (now, 0),
        };
        if count >= self.limit {
            self.limited.push(now);
            let mut response = HttpResponse::new(
                429,
                json!({"error": {"code": "TooManyRequests", "message": "Too many requests."}})
                    .to_string(),
            );
            if let Some(seconds) = self.readable_retry_after {
                response = response.with_header("Retry-After", &seconds.to_string());
            }
            return Exchange::Answered(response);
        }
        self.window = Some((start, count + 1));
        self.created += 1;
        Exchange::Answered(HttpResponse::new(
            201,
            json!({"id": format!("id-{}", self.created)}).to_string(),
        ))
    }
}

/// Runs to the end (or until the run pauses by itself); each answer takes `latency` ms,
/// the server sees a request when its answer is due. Returns the end time.
fn drive(run: &mut Run, server: &mut FakeGraph, latency: u64) -> u64 {
    drive_from(run, server, latency, 0)
}

fn drive_from(run: &mut Run, server: &mut FakeGraph, latency: u64, start: u64) -> u64 {
    let mut now = start;
    let mut in_flight: Vec<(u64, usize, HttpRequest)> = Vec::new();
    for _ in 0..1_000_000 {
        if run.is_over() || (run.phase() == &Phase::Paused && in_flight.is_empty()) {
            return now;
        }
        while let Some(command) = run.next_command(now) {
            match command {
                Command::Create { row, request } => in_flight.push((now + latency, row, request)),
                other => panic!("Graph has no login and no probe: {other:?}"),
            }
        }
        let next_answer = in_flight.iter().map(|(t, _, _)| *t).min();
        let next = match (next_answer, run.next_wake(now)) {
            (Some(a), Some(w)) => a.min(w),
            (Some(a), None) => a,
            (None, Some(w)) => w,
            (None, None) => now + 1,
        };
        now = next.max(now + 1);
        let (due, rest): (Vec<_>, Vec<_>) = in_flight.into_iter().partition(|(t, _, _)| *t <= now);
        in_flight = rest;
        for (_, row, request) in due {
            let answer = server.handle(&request, now);
            run.on_create(row, &answer, now);
        }
    }
    panic!("the run did not end")
}

#[test]
fn throttle_backoff_follows_graphs_guidance() {
    // Exponential from 3 s, at most 180 s, plus a random offset of up to a second.
    let t = ThrottleBackoff::default();
    assert_eq!(
        (1..=8).map(|n| t.floor(n)).collect::<Vec<_>>(),
        [3_000, 6_000, 12_000, 24_000, 48_000, 96_000, 180_000, 180_000]
    );
    assert_eq!(t.floor(500), 180_000);
    let mut jitter = roster_core::run::pace::XorShift(3);
    for n in 1..12 {
        let d = t.delay(n, &mut jitter);
        assert!((t.floor(n)..=t.floor(n) + 1_000).contains(&d), "{n}: {d}");
    }
}

#[test]
fn a_429_without_a_readable_retry_after_waits_three_seconds_or_more() {
    // One row, one 429: the retry comes no sooner than Graph's guidance allows.
    let mut server = FakeGraph::new(0, 60_000);
    let mut run = graph_run(1);
    let Some(Command::Create { row, request }) = run.next_command(0) else {
        panic!("a create first")
    };
    run.on_create(row, &server.handle(&request, 10), 10);
    let wake = run.next_wake(10).expect("waits on time");
    assert!(
        (3_010..=4_010).contains(&wake),
        "the first 429 waits 3 s plus an offset: {wake}"
    );
    assert!(run.next_command(wake - 1).is_none());
    assert!(matches!(
        run.next_command(wake),
        Some(Command::Create { .. })
    ));
}

#[test]
fn a_throttled_graph_import_creates_every_row_with_few_429s() {
    // The sandbox's e2e case: 4 creates per 3 s window, 12 rows, no readable
    // Retry-After. Every row ends created once, and the 429s stay few: the first burst's,
    // then the backoff and the pacer hold the pace.
    for latency in [5, 20, 80, 200] {
        let mut server = FakeGraph::new(4, 3_000);
        let mut run = graph_run(12);
        let end = drive(&mut run, &mut server, latency);
        assert_eq!(run.phase(), &Phase::Finished, "latency {latency}");
        assert_eq!(run.counts().get(Status::Created), 12);
        assert_eq!(server.created, 12, "each row created once");
        assert!(
            server.limited.len() <= 3,
            "latency {latency}: {} 429s at {:?} (end {end} ms)",
            server.limited.len(),
            server.limited
        );
        assert!(
            run.rows().iter().all(|r| r.attempts == 1),
            "429s use no attempts"
        );
        println!(
            "latency {latency}: {} 429s at {:?}, end {end} ms",
            server.limited.len(),
            server.limited
        );
    }
}

#[test]
fn a_retry_after_past_the_ceiling_pauses_the_run_and_says_how_long() {
    // Graph (or a proxy) asks for two hours: the run does not sit on it; it pauses,
    // says how long the server asked, keeps every row, and goes on when resumed.
    let mut server = FakeGraph::new(1, 10 * 3_600_000);
    server.readable_retry_after = Some(2 * 3_600);
    let mut run = graph_run(3);
    let end = drive(&mut run, &mut server, 10);
    assert_eq!(run.phase(), &Phase::Paused, "{:?}", run.phase());
    let hold = run.hold().expect("a reason").to_owned();
    assert!(hold.contains("2 hours"), "{hold}");
    assert!(hold.contains("Retry-After"), "{hold}");
    assert!(hold.contains("Resume"), "{hold}");
    // The two requests in flight when the first 429 came; nothing sent after it.
    assert_eq!(server.limited.len(), 2);
    assert_eq!(run.progress(end).requests, 3);
    assert_eq!(run.counts().get(Status::Created), 1);
    assert_eq!(run.counts().get(Status::Pending), 2, "nothing lost");
    // Resumed: sent within the pacer's seconds, not two hours later, and it finishes.
    server.limit = 10;
    run.resume(end + 1_000);
    let wake = run.next_wake(end + 1_000).expect("waits on time alone");
    assert!(wake <= end + 5_000, "resumed, the next send is at {wake}");
    let end = drive_from(&mut run, &mut server, 10, end + 1_000);
    assert_eq!(run.phase(), &Phase::Finished);
    assert_eq!(run.counts().get(Status::Created), 3);
    assert!(end < 60_000, "{end}");
}

#[test]
fn a_retry_after_at_the_ceiling_is_waited_out() {
    let mut server = FakeGraph::new(1, 3_600_000);
    server.readable_retry_after = Some(RETRY_AFTER_CEILING_MS / 1_000);
    let mut run = graph_run(2);
    let end = drive(&mut run, &mut server, 10);
    assert_eq!(run.phase(), &Phase::Finished, "{:?}", run.hold());
    assert!(end >= RETRY_AFTER_CEILING_MS, "{end}");
    assert_eq!(run.counts().get(Status::Created), 2);
}
