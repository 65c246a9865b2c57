//! The run's progress (issue 13): a bar over the rows this run sends only, split by how
//! they ended (created, exists, problems, not sent) with a legend of counts, the rows it
//! does not send, and the pace. While paused the pace figures stand still (the core's
//! active clock); a cancelled run says how many rows it did not send.

use leptos::prelude::*;
use roster_core::run::{Progress, Status};

use crate::ui::fixed;

/// `1 h 02 min`, `3 min 05 s`, `12 s`.
fn duration(ms: u64) -> String {
    let s = ms / 1000;
    match (s / 3600, s / 60 % 60, s % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, s) => format!("{m} min {s:02} s"),
        (h, m, _) => format!("{h} h {m:02} min"),
    }
}

/// "Paused · 12 requests/min (paced at 60) · elapsed 1 min 05 s · about 3 min 10 s left".
fn pace_line(p: &Progress) -> String {
    let mut rate = if p.rate_per_min > 0.0 {
        format!("{} requests/min", fixed(p.rate_per_min, 0))
    } else {
        "rate: measuring".to_owned()
    };
    if let Some(paced) = p.paced_per_min {
        rate.push_str(&format!(" (paced at {})", fixed(paced, 0)));
    }
    let mut parts = Vec::new();
    if p.paused {
        parts.push("Paused".to_owned());
    }
    parts.push(rate);
    parts.push(format!("elapsed {}", duration(p.elapsed_ms)));
    if let Some(eta) = p.eta_ms {
        parts.push(format!("about {} left", duration(eta)));
    }
    if let Some(limit) = p.server_limit_per_min {
        parts.push(format!("server limit {limit}/min"));
    }
    if p.rate_limited > 0 {
        parts.push(format!("{} × rate limited (429)", p.rate_limited));
    }
    parts.join(" · ")
}

/// "1 row", "40 rows".
fn rows(n: usize) -> String {
    if n == 1 {
        "1 row".to_owned()
    } else {
        format!("{n} rows")
    }
}

/// "12 of 40 rows to send done: 10 created, 1 exists, 1 with problems"; after a failed
/// login, "None of 40 rows sent".
fn value_text(p: &Progress, login_failed: bool) -> String {
    if login_failed {
        return format!("None of {} sent", rows(p.scope));
    }
    if p.scope == 0 {
        return "No rows to send".into();
    }
    let s = p.split();
    let mut text = format!(
        "{} of {} to send done: {} created, {} exists, {} with problems",
        s.done(),
        rows(p.scope),
        s.created,
        s.exists,
        s.problems
    );
    if s.updated > 0 {
        text.push_str(&format!(", {} updated", s.updated));
    }
    if s.not_sent > 0 {
        text.push_str(&format!(", {} not sent", s.not_sent));
    }
    text
}

/// The sentence under the bar: where the run stands, and the rows it does not send.
/// After a failed login, none: the announcement says it in one sentence (issue 20), and
/// "No rows to send" would contradict it.
fn tally_line(p: &Progress, running: bool, login_failed: bool) -> String {
    if login_failed {
        return String::new();
    }
    let s = p.split();
    let head = if p.cancelled {
        format!(
            "Cancelled: {} not sent. {} created, {} exists, {} with problems.",
            s.not_sent, s.created, s.exists, s.problems
        )
    } else if p.scope == 0 {
        "No rows to send.".to_owned()
    } else if !running {
        format!("{} to send.", rows(p.scope))
    } else {
        format!("{}.", value_text(p, false))
    };
    let invalid = p.counts.get(Status::Invalid);
    let other = p.outside().saturating_sub(invalid);
    let mut outside = Vec::new();
    if invalid > 0 {
        outside.push(format!("{invalid} invalid"));
    }
    if other > 0 {
        outside.push(format!("{other} excluded or done in an earlier run"));
    }
    if outside.is_empty() {
        head
    } else {
        format!("{head} Not sent: {}.", outside.join(", "))
    }
}

fn percent(part: usize, whole: usize) -> String {
    let p = if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    };
    format!("{}%", fixed(p, 2))
}

/// The bar, the legend, the tally and the pace. `running`: a run is shown (not a plan);
/// `login_failed`: the run shown ended at its login, sending nothing.
#[component]
pub fn RunProgress(
    shown: Signal<Progress>,
    running: Signal<bool>,
    login_failed: Signal<bool>,
) -> impl IntoView {
    let split = move || shown.get().split();
    let scope = move || shown.get().scope;
    let segment = move |class: &'static str, count: fn(&roster_core::run::Split) -> usize| {
        view! {
            <div class=format!("progress-fill {class}") style:width=move || percent(count(&split()), scope())></div>
        }
    };
    let legend = move |class: &'static str,
                       word: &'static str,
                       count: fn(&roster_core::run::Split) -> usize| {
        view! {
            <li>
                <span class=format!("swatch {class}") aria-hidden="true"></span>
                {move || format!("{word}: {}", count(&split()))}
            </li>
        }
    };
    view! {
        <div
            class="progress"
            role="progressbar"
            aria-label="Import progress"
            aria-valuemin="0"
            aria-valuemax=move || scope().to_string()
            aria-valuenow=move || if login_failed.get() { "0".to_owned() } else { split().done().to_string() }
            aria-valuetext=move || value_text(&shown.get(), login_failed.get())
        >
            {segment("created", |s| s.created)}
            // Updated accounts are done like created ones (issue 24).
            {segment("created", |s| s.updated)}
            {segment("exists", |s| s.exists)}
            {segment("problems", |s| s.problems)}
            {segment("not-sent", |s| s.not_sent)}
        </div>
        <ul class="legend" aria-label="Outcome of the rows to send">
            {legend("created", "created", |s| s.created)}
            {legend("exists", "exists", |s| s.exists)}
            {legend("problems", "problems", |s| s.problems)}
            {legend("not-sent", "not sent", |s| s.not_sent)}
        </ul>
        <p class="tally" hidden=move || login_failed.get()>
            {move || tally_line(&shown.get(), running.get(), login_failed.get())}
        </p>
        <Show when=move || running.get()>
            <p class="pace">{move || pace_line(&shown.get())}</p>
        </Show>
    }
}
