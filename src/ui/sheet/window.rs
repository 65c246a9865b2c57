//! The row window: which rows are listed (filters), which of them the slots show, and the
//! run's answers copied into the slots that show their rows.

use std::collections::BTreeSet;

use leptos::prelude::*;
use roster_core::input::invalid::explain;
use roster_core::input::plan::{PlannedRow, Sheet};
use roster_core::run::Run;
use roster_core::Status;

use super::model::*;
use crate::ui::state::AppState;

/// Statuses the "Only rows with problems or warnings" filter keeps (with the rows a
/// check warned about).
pub(crate) fn is_problem(status: Status) -> bool {
    matches!(
        status,
        Status::Invalid | Status::Rejected | Status::Failed | Status::Unknown
    )
}

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
    state.sheet.sheet.with_value(|sheet| {
        f(&Lookup {
            sheet: sheet.as_ref(),
            domains,
        })
    })
}

/// The check's warning for a ready row whose domain the server does not list.
fn domain_warning(email: &str, domains: Option<&BTreeSet<String>>) -> Option<String> {
    let domains = domains?;
    let domain = email.rsplit_once('@')?.1.to_lowercase();
    (!domains.contains(&domain)).then(|| {
        format!("Warning from Check: the server has no domain \"{domain}\"; the account would be created without a mailbox.")
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
        line: planned.line,
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
    state.sheet.order.with_value(|o| match o {
        None => Some(i),
        Some(order) => order.binary_search(&i).ok(),
    })
}

pub(crate) fn row_at(state: AppState, pos: usize) -> Option<usize> {
    state.sheet.order.with_value(|o| match o {
        None => Some(pos),
        Some(order) => order.get(pos).copied(),
    })
}

/// Fills every slot from the list, starting at the current first position.
pub fn refresh_slots(state: AppState) {
    with_run(state, |run| fill_slots(state, run));
}

pub(crate) fn fill_slots(state: AppState, run: Option<&Run>) {
    let s = state.sheet;
    let first = s.first.get_untracked();
    let listed = s.listed.get_untracked();
    let plan = state.plan.get_untracked();
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
    for (slot, view) in s.slots.iter().zip(views) {
        if slot.with_untracked(|v| *v != view) {
            slot.set(view);
        }
    }
}

/// Refreshes the slots showing any of `rows`, and nothing else.
pub(crate) fn refresh_rows(state: AppState, rows: &[usize], run: Option<&Run>) {
    let s = state.sheet;
    let first = s.first.get_untracked();
    let Some(plan) = state.plan.get_untracked() else {
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
        s.slots[k].set(Some(view));
    }
}

/// Lists every row, or only those with problems, and shows the top of the list.
pub fn rebuild_order(state: AppState, run: Option<&Run>) {
    filter_rows(state, run);
    let s = state.sheet;
    s.first.set(0);
    s.top_px.set(0.0);
    fill_slots(state, run);
}

/// Recomputes which rows the filters list, keeping the scroll position (clamped).
pub(crate) fn filter_rows(state: AppState, run: Option<&Run>) {
    let s = state.sheet;
    let n = state
        .plan
        .with_untracked(|p| p.as_ref().map_or(0, |p| p.len()));
    let problems = s.only_problems.get_untracked();
    let wanted = s.status_filter.get_untracked();
    let order = if problems || wanted.is_some() {
        let plan = state.plan.get_untracked();
        let status = |i: usize| match run.and_then(|r| r.rows().get(i)) {
            Some(r) => r.status,
            None => plan
                .as_ref()
                .map_or(Status::Pending, |p| view_of_status(&p[i])),
        };
        // A row still to send whose domain the last check did not find is listed with
        // the problems: its warning is what the admin has to look at.
        let warned = |i: usize, domains: Option<&BTreeSet<String>>| {
            plan.as_ref()
                .is_some_and(|p| !p[i].excluded && domain_warning(&p[i].email, domains).is_some())
        };
        Some(with_lookup(state, |lookup| {
            (0..n)
                .filter(|&i| {
                    let st = status(i);
                    let problem =
                        is_problem(st) || (st == Status::Pending && warned(i, lookup.domains));
                    (!problems || problem) && wanted.is_none_or(|w| w == st)
                })
                .collect::<Vec<_>>()
        }))
    } else {
        None
    };
    let listed = order.as_ref().map_or(n, Vec::len);
    s.listed.set(listed);
    s.order.set_value(order);
    if s.first.get_untracked() >= listed {
        s.first.set(listed.saturating_sub(1));
    }
}

pub(crate) fn view_of_status(p: &PlannedRow) -> Status {
    if p.excluded {
        Status::Skipped
    } else if p.is_valid() {
        Status::Pending
    } else {
        Status::Invalid
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
    state.sheet.only_problems.set(on);
    with_run(state, |run| rebuild_order(state, run));
}

/// The scroll height of the whole list, capped at [`MAX_SCROLL_PX`].
pub fn scroll_height(listed: usize) -> f64 {
    (listed as f64 * ROW_PX).min(MAX_SCROLL_PX)
}

/// Scrolling: works out which rows are in view from the scroll position and the
/// viewport's height, renders them, and places them where the viewport is.
pub fn scroll_to(state: AppState, scroll_top: f64, viewport: f64) {
    let s = state.sheet;
    let listed = s.listed.get_untracked();
    let total = listed as f64 * ROW_PX;
    let height = scroll_height(listed);
    let max_first = listed.saturating_sub(SLOTS);
    let (first, top_px) = if total <= height {
        let first = ((scroll_top / ROW_PX).floor() as usize)
            .saturating_sub(OVERSCAN)
            .min(max_first);
        (first, first as f64 * ROW_PX)
    } else {
        let in_view = (viewport / ROW_PX).ceil() as usize;
        let fraction = (scroll_top / (height - viewport).max(1.0)).clamp(0.0, 1.0);
        let first_visible = (fraction * listed.saturating_sub(in_view) as f64).round() as usize;
        let first = first_visible.saturating_sub(OVERSCAN).min(max_first);
        let above = (first_visible - first.min(first_visible)) as f64 * ROW_PX;
        (first, (scroll_top - above).max(0.0))
    };
    s.top_px.set(top_px);
    if s.first.get_untracked() != first {
        s.first.set(first);
        refresh_slots(state);
    }
}

/// The scroll position that shows list position `pos` whole, below the table's sticky
/// header (`head_px` high), or `None` when it is in view already. The keyboard uses it
/// to move through rows the window has not rendered yet.
pub fn reveal(
    state: AppState,
    pos: usize,
    scroll_top: f64,
    viewport: f64,
    head_px: f64,
) -> Option<f64> {
    let listed = state.sheet.listed.get_untracked();
    let height = scroll_height(listed);
    let room = (viewport - head_px).max(ROW_PX);
    if listed as f64 * ROW_PX <= height {
        // Pixel for pixel: row `pos` starts `pos` rows below the header.
        let top = pos as f64 * ROW_PX;
        if top < scroll_top {
            Some(top)
        } else if top + ROW_PX > scroll_top + room {
            Some(top + ROW_PX - room)
        } else {
            None
        }
    } else {
        // Scaled (see `scroll_to`): the scroll position says which row is first in view.
        let in_view = (viewport / ROW_PX).ceil() as usize;
        let span = listed.saturating_sub(in_view).max(1) as f64;
        let range = (height - viewport).max(1.0);
        let first = ((scroll_top / range).clamp(0.0, 1.0) * span).round() as usize;
        let fits = ((room / ROW_PX).floor() as usize).max(1);
        let want = if pos < first {
            pos
        } else if pos >= first + fits {
            pos + 1 - fits
        } else {
            return None;
        };
        Some(want as f64 / span * range)
    }
}

/// The run's single way into the table: copies the changed rows into their slots.
pub fn sync(state: AppState, run: &Run, changed: &[usize]) {
    let s = state.sheet;
    if (s.only_problems.get_untracked() || s.status_filter.get_untracked().is_some())
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

pub fn set_status_filter(state: AppState, status: Option<Status>) {
    state.sheet.status_filter.set(status);
    with_run(state, |run| rebuild_order(state, run));
}
