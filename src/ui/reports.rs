//! The reports (issue 5): "Download report" (CSV), "Download report (JSON)" and
//! "Download rows to retry". See `roster_core::report` for what each holds.

use leptos::prelude::*;
use roster_core::report::{
    csv_report_with, file_name, json_report, retry_file, Input, PastRun, RunInfo,
};

use super::state::AppState;
use crate::glue::clock::now_ms;
use crate::glue::download;

/// Notes the run's start: target, URL, file, and the wall clock next to the run's clock.
pub fn begin(state: AppState, target: &str, server_url: &str, run_now_ms: u64) {
    state.run.info.set(Some(RunInfo {
        target: target.to_owned(),
        server_url: server_url.to_owned(),
        file_name: state.file.name.get_untracked().unwrap_or_default(),
        started_wall_ms: js_sys::Date::now(),
        started_run_ms: run_now_ms,
        ended_wall_ms: None,
    }));
}

/// Notes the run's end.
pub fn end(state: AppState) {
    state.run.info.update(|info| {
        if let Some(info) = info {
            info.ended_wall_ms = Some(js_sys::Date::now());
        }
    });
}

/// The run info, or one made up now (a run that never noted its start).
fn info(state: AppState, target: &str) -> RunInfo {
    state.run.info.get_untracked().unwrap_or_else(|| RunInfo {
        target: target.to_owned(),
        server_url: state.form.server_url.get_untracked().trim().to_owned(),
        file_name: state.file.name.get_untracked().unwrap_or_default(),
        started_wall_ms: js_sys::Date::now(),
        started_run_ms: now_ms(),
        ended_wall_ms: None,
    })
}

/// The three downloads of a run.
#[derive(Clone, Copy)]
pub enum Report {
    Csv,
    Json,
    Retry,
}

/// Downloads one of the run's reports.
pub fn save(state: AppState, kind: Report) {
    let (Some(plan), Some(run)) = (
        state.plan.rows.get_untracked(),
        state.run.current.get_value(),
    ) else {
        return;
    };
    let Ok(job) = run.try_borrow() else {
        return;
    };
    let run = job.run();
    let target = run.target_name();
    let info = info(state, target);
    let rows = run.rows();
    let made = state.plan.sheet.with_value(|sheet| {
        let input = sheet
            .as_ref()
            .filter(|s| s.table.records.len() == rows.len())
            .map(|s| Input {
                table: &s.table,
                mapping: &s.mapping,
            });
        match kind {
            Report::Csv => Some((
                "csv",
                "text/csv;charset=utf-8",
                csv_report_with(&plan, rows, input, Some(&info)),
            )),
            Report::Json => Some((
                "json",
                "application/json",
                json_report(&plan, rows, input, &info),
            )),
            Report::Retry => {
                let input = input?;
                let ext = if input.table.delimiter == b',' {
                    "csv"
                } else {
                    "txt"
                };
                Some((
                    ext,
                    "text/csv;charset=utf-8",
                    retry_file(input.table, rows)?,
                ))
            }
        }
    });
    let Some((ext, mime, text)) = made else {
        state
            .announcement
            .set("No row ended with problems or not sent: there is nothing to retry.".into());
        return;
    };
    let what = match kind {
        Report::Retry => "rows-to-retry",
        _ => "report",
    };
    let name = file_name(what, None, &run.target_id(), &download::timestamp(), ext);
    if let Err(message) = download::save_text(&name, mime, &text) {
        state.announcement.set(message.to_string());
    }
}

/// A report of a run of the history (issue 13): the CSV, or the JSON when `json`.
pub fn save_past(past: &PastRun, json: bool, announcement: RwSignal<String>) {
    let input = past.input();
    let (ext, mime, text) = if json {
        let text = json_report(&past.plan, &past.rows, input, &past.info);
        ("json", "application/json", text)
    } else {
        let text = csv_report_with(&past.plan, &past.rows, input, Some(&past.info));
        ("csv", "text/csv;charset=utf-8", text)
    };
    let name = file_name(
        "report",
        Some(past.number),
        &past.target_id,
        &download::timestamp(),
        ext,
    );
    if let Err(message) = download::save_text(&name, mime, &text) {
        announcement.set(message.to_string());
    }
}

/// "Download report (JSON)" and "Download rows to retry", shown next to "Download report";
/// the rows to retry only when there are some (`retryable`, issue 27).
#[component]
pub fn ReportButtons(
    enabled: Signal<bool>,
    save: Callback<Report>,
    #[prop(optional, into)] retryable: Option<Signal<bool>>,
) -> impl IntoView {
    let retryable = move || retryable.is_none_or(|r| r.get());
    view! {
        <button disabled=move || !enabled.get() on:click=move |_| save.run(Report::Json)>
            "Download report (JSON)"
        </button>
        <Show when=retryable>
        <button
            class="retry"
            title="The rows with problems and the rows not sent, as your own file, passwords included, to fix and drop back in"
            disabled=move || !enabled.get()
            on:click=move |_| save.run(Report::Retry)
        >
            "Download rows to retry"
        </button>
        </Show>
    }
}
