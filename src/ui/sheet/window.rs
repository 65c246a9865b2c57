//! The row window: which rows are listed (filters), which of them the slots show, and the
//! run's answers copied into the slots that show their rows.

use std::collections::BTreeSet;

use leptos::prelude::*;
use roster_core::input::invalid::explain;
use roster_core::input::plan::{PlannedRow, Sheet};
use roster_core::run::Run;
use roster_core::{State, Status};

use super::filter::*;
use super::model::*;
use super::scroll::*;
use crate::ui::state::AppState;

/// What a row's message draws on besides the row: the sheet (for the offending value and
/// its column) and the mail domains the last check found on the server now in the form.
pub(crate) struct Lookup<'a> {
    pub sheet: Option<&'a Sheet>,
    pub domains: Option<&'a BTreeSet<String>>,
}

/// Runs `f` with the [`Lookup`] of the moment.
pub(crate) fn with_lookup<T>(state: AppState, f: impl FnOnce(&Lookup) -> T) -> T {
    let url = state.form.server_url.get_untracked().trim().to_owned();
    let check = state.findings.check.get_untracked().filter(|c| c.0 == url);
    let domains = check.as_ref().and_then(|c| c.1.domains.as_ref());
    state.plan.sheet.with_value(|sheet| {
        f(&Lookup {
            sheet: sheet.as_ref(),
            domains,
        })
    })
}

/// What row `i` shows: the run's state when a run exists, else the plan's verdict.
pub(crate) fn view_of(
    planned: &PlannedRow,
    index: usize,
    run: Option<&Run>,
    lookup: &Lookup,
) -> SlotView {
    let (status, mut message, target_id) = match run.and_then(|r| r.rows().get(index)) {
        Some(r) => (
            r.status,
            r.message.clone(),
            r.target_id.clone().unwrap_or_default(),
        ),
        None if planned.excluded => (
            Status::Skipped,
            "Excluded by the user.".to_owned(),
            String::new(),
        ),
        None if planned.is_valid() => (Status::Pending, String::new(), String::new()),
        None => (
            Status::Invalid,
            match lookup.sheet {
                Some(sh) => explain(&sh.table, &sh.mapping, index, planned),
                None => planned.problems_text(),
            },
            String::new(),
        ),
    };
    let mut warned = false;
    if status == Status::Pending && message.is_empty() {
        if let Some(w) = domain_warning(&planned.email, lookup.domains) {
            message = w;
            warned = true;
        }
    }
    // A value sent otherwise than written says so, whatever the row's status.
    let message = planned.message_with_notes(&message);
    SlotView {
        index,
        line: u64::from(planned.line),
        email: planned.email.to_string(),
        has_password: planned.has_password,
        excluded: planned.excluded,
        status,
        message,
        warned,
        target_id,
    }
}

/// Runs `f` with the current run, if there is one and it is not being driven right now.
pub(crate) fn with_run<T>(state: AppState, f: impl FnOnce(Option<&Run>) -> T) -> T {
    let run = state.run.current.get_value();
    let borrowed = run.as_ref().and_then(|r| r.try_borrow().ok());
    f(borrowed.as_deref().map(roster_core::job::Job::run))
}

/// The list position of row `i`, if it is listed.
pub fn position(state: AppState, i: usize) -> Option<usize> {
    state.view.position(i)
}

pub(crate) fn row_at(state: AppState, pos: usize) -> Option<usize> {
    state.view.row_at(pos)
}

/// Fills every slot from the list, starting at the current first position.
pub fn refresh_slots(state: AppState) {
    with_run(state, |run| fill_slots(state, run));
}

pub(crate) fn fill_slots(state: AppState, run: Option<&Run>) {
    let first = state.view.first.get_untracked();
    let listed = state.view.listed.get_untracked();
    let plan = state.plan.rows.get_untracked();
    let views: Vec<Option<SlotView>> = with_lookup(state, |lookup| {
        (0..SLOTS)
            .map(|k| {
                let plan = plan.as_ref()?;
                let pos = first + k;
                if pos >= listed {
                    return None;
                }
                let i = row_at(state, pos)?;
                plan.get(i).map(|p| view_of(p, i, run, lookup))
            })
            .collect()
    });
    for (slot, view) in state.view.slots.iter().zip(views) {
        if slot.with_untracked(|v| *v != view) {
            slot.set(view);
        }
    }
}

/// Refreshes the slots showing any of `rows`, and nothing else.
pub(crate) fn refresh_rows(state: AppState, rows: &[usize], run: Option<&Run>) {
    let first = state.view.first.get_untracked();
    let Some(plan) = state.plan.rows.get_untracked() else {
        return;
    };
    let views: Vec<(usize, SlotView)> = with_lookup(state, |lookup| {
        rows.iter()
            .filter_map(|&i| {
                let pos = position(state, i)?;
                if pos < first || pos >= first + SLOTS {
                    return None;
                }
                plan.get(i)
                    .map(|p| (pos - first, view_of(p, i, run, lookup)))
            })
            .collect()
    });
    for (k, view) in views {
        state.view.slots[k].set(Some(view));
    }
}

/// Lists every row, or only those with problems, and shows the top of the list.
pub fn rebuild_order(state: AppState, run: Option<&Run>) {
    filter_rows(state, run);
    state.view.first.set(0);
    state.view.top_px.set(0.0);
    fill_slots(state, run);
}

/// Recomputes which rows the filters list, keeping the scroll position (clamped).
pub(crate) fn filter_rows(state: AppState, run: Option<&Run>) {
    let n = state
        .plan
        .rows
        .with_untracked(|p| p.as_ref().map_or(0, |p| p.len()));
    let filters = state.view.filters();
    let order = if filters.any() {
        let plan = state.plan.rows.get_untracked();
        let status = |i: usize| match run.and_then(|r| r.rows().get(i)) {
            Some(r) => State::of(r.status, r.excluded),
            None => plan.as_ref().map_or(State::Ready, |p| {
                State::of(plan_status(&p[i]), p[i].excluded)
            }),
        };
        with_lookup(state, |lookup| {
            let warned = |i: usize| {
                plan.as_ref().is_some_and(|p| {
                    !p[i].excluded && domain_warning(&p[i].email, lookup.domains).is_some()
                })
            };
            filters.list(n, status, warned)
        })
    } else {
        None
    };
    let listed = order.as_ref().map_or(n, Vec::len);
    state.view.listed.set(listed);
    state.view.order.set_value(order);
    if state.view.first.get_untracked() >= listed {
        state.view.first.set(listed.saturating_sub(1));
    }
}

/// Works the filters out again (after a check: the warned rows), keeping the scroll position.
pub fn refilter(state: AppState) {
    with_run(state, |run| {
        filter_rows(state, run);
        fill_slots(state, run);
    });
}

/// Toggles the "Only rows with problems or warnings" filter.
pub fn set_only_problems(state: AppState, on: bool) {
    state.view.only_problems.set(on);
    with_run(state, |run| rebuild_order(state, run));
}

/// Scrolling: works out which rows are in view from the scroll position and the
/// viewport's height, renders them, and places them where the viewport is.
pub fn scroll_to(state: AppState, scroll_top: f64, viewport: f64) {
    let window = window_at(state.view.listed.get_untracked(), scroll_top, viewport);
    state.view.top_px.set(window.top_px);
    if state.view.first.get_untracked() != window.first {
        state.view.first.set(window.first);
        refresh_slots(state);
    }
}

/// The run's single way into the table: copies the changed rows into their slots.
pub fn sync(state: AppState, run: &Run, changed: &[usize]) {
    if (state.view.only_problems.get_untracked()
        || state.view.status_filter.get_untracked().is_some())
        && !changed.is_empty()
    {
        // Rows move in and out of a filtered list as their status changes. The driver
        // calls this at most every 100 ms, so one pass over the statuses is cheap.
        filter_rows(state, Some(run));
        fill_slots(state, Some(run));
    } else {
        refresh_rows(state, changed, Some(run));
    }
}

pub fn set_status_filter(state: AppState, status: Option<State>) {
    state.view.status_filter.set(status);
    with_run(state, |run| rebuild_order(state, run));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(email: &str, excluded: bool) -> PlannedRow {
        PlannedRow {
            line: 3,
            email: email.into(),
            username: "".into(),
            has_password: true,
            excluded,
            findings: Default::default(),
        }
    }

    #[test]
    fn before_a_run_a_row_shows_the_plans_verdict() {
        let none = Lookup {
            sheet: None,
            domains: None,
        };
        let v = view_of(&row("a@example.com", false), 7, None, &none);
        assert_eq!((v.index, v.line, v.status), (7, 3, Status::Pending));
        assert_eq!(v.email, "a@example.com");
        assert!(v.message.is_empty() && !v.warned && v.has_password);
        let v = view_of(&row("a@example.com", true), 7, None, &none);
        assert_eq!(v.status, Status::Skipped);
        assert_eq!(v.message, "Excluded by the user.");
    }

    #[test]
    fn a_check_warns_on_a_pending_row_whose_domain_the_server_lacks() {
        let domains: BTreeSet<String> = ["example.com".to_owned()].into();
        let lookup = Lookup {
            sheet: None,
            domains: Some(&domains),
        };
        let v = view_of(&row("a@other.org", false), 0, None, &lookup);
        assert!(v.warned);
        assert!(v.message.starts_with("Warning from Check"), "{}", v.message);
        assert!(!view_of(&row("a@example.com", false), 0, None, &lookup).warned);
        // An excluded row is not sent: nothing to warn about.
        let v = view_of(&row("a@other.org", true), 0, None, &lookup);
        assert!(!v.warned);
        assert_eq!(v.message, "Excluded by the user.");
    }
}
