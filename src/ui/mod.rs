//! The page: four steps in the order an admin takes them (issue 27: file, rows, target,
//! import with its run header and report), each a component over shared state.

mod bulk;
mod cell;
mod connection;
mod diagnosis;
mod file_step;
mod focus;
mod follow;
mod import;
mod journal;
mod launch;
mod mapping;
mod missing;
mod preflight;
mod preview;
mod profiles;
mod reports;
mod resume;
mod row_editor;
mod row_keys;
mod rows_table;
mod sheet;
mod state;
mod tabs;
mod target_choice;

use leptos::prelude::*;

pub use state::AppState;

/// `x` with `decimals` digits after the point, e.g. `fixed(12.345, 1)` is "12.3".
/// Written with integers: `format!("{x:.1}")` would bring in core's float formatting,
/// about 13 KB of WebAssembly for a few labels.
pub fn fixed(x: f64, decimals: u32) -> String {
    let scale = 10u64.pow(decimals);
    let scaled = (x.abs() * scale as f64).round() as u64;
    let sign = if x < 0.0 && scaled > 0 { "-" } else { "" };
    let (whole, frac) = (scaled / scale, scaled % scale);
    if decimals == 0 {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{frac:0width$}", width = decimals as usize)
    }
}

#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    tabs::install(state);
    // The first screen: no file yet. It shows only what applies before one exists (the
    // file, the target and its form, the template); run settings, progress and the rows
    // step come with the first file and stay (a file being replaced is not a new start).
    let had_file = RwSignal::new(false);
    Effect::new(move |_| {
        if state.plan.rows.with(Option::is_some) || state.file.busy.with(Option::is_some) {
            had_file.set(true);
        }
    });
    let first_screen = move || !had_file.get();
    let active = Signal::from(state.run.active);
    // A run going asks before the tab closes, and writes its journal's last page.
    journal::install_leave_guard(state);
    let resume_saved = Callback::new(move |key| resume::resume_saved(state, key));
    let keys = rows_table::keys(state);
    rows_table::follow_check(state);
    view! {
        <header class="masthead">
            <h1>"Roster"</h1>
            <p class="tagline">"Create user accounts in bulk from a spreadsheet. Everything runs in this tab: no server of ours sees your file or your passwords."</p>
        </header>
        <main class:first-screen=first_screen>
            <file_step::FileStep
                file=state.file
                tally=state.plan.tally.into()
                accept_dotless=state.plan.accept_dotless
                active=active
                actions=file_step::FileActions::of(state)
            >
                <mapping::MappingPanel
                    file=state.file
                    plan=state.plan
                    active=state.run.active
                    target=state.form.target
                    set_mapping=Callback::new(move |(index, field)| sheet::set_mapping(state, index, field))
                    replan=Callback::new(move |()| sheet::replan(state))
                    set_value=Callback::new(move |(field, word, value): (roster_core::input::map::Field, String, Option<String>)| {
                        sheet::set_value(state, field, &word, value.as_deref())
                    })
                />
            </file_step::FileStep>
            <div class="rows-step" hidden=first_screen>
                <missing::MissingSettings rows=state.plan.rows tally=state.plan.tally target=state.form.target />
                <rows_table::RowsTable
                    table=rows_table::Table::of(state)
                    keys=keys
                    has_rows=Signal::derive(move || {
                        state.plan.rows.with(|p| p.as_ref().is_some_and(|p| !p.is_empty()))
                    })
                    tally=state.plan.tally.into()
                    editor=ViewFn::from(move || {
                        state
                            .selection
                            .editing
                            .get()
                            .filter(|_| !state.run.active.get())
                            .map(|row| view! {
                                <row_editor::RowEditor
                                    plan=state.plan
                                    editing=state.selection.editing
                                    target=state.form.target
                                    row=row
                                    keys=keys
                                    position=Callback::new(move |i| sheet::position(state, i))
                                    cell=Callback::new(move |(i, c)| sheet::cell(state, i, c))
                                    edit=Callback::new(move |(i, c, value): (usize, usize, String)| sheet::edit(state, i, c, &value))
                                />
                            })
                    })
                >
                    <bulk::BulkBar
                        file=state.file
                        plan=state.plan
                        listed=state.view.listed
                        selected=state.selection.selected
                        target=state.form.target
                        active=state.run.active
                        exclude_invalid=Callback::new(move |()| sheet::exclude_invalid(state))
                        keep_first=Callback::new(move |()| sheet::keep_first_duplicates(state))
                        set_field=Callback::new(move |(field, value): (roster_core::input::map::Field, String)| sheet::set_field(state, field, &value))
                        invalid_csv=Callback::new(move |()| sheet::invalid_csv(state))
                    />
                </rows_table::RowsTable>
            </div>
            <connection::Connection
                form=state.form
                active=active
                login_error=state.findings.login_error
                announcement=state.announcement
                choose=Callback::new(move |kind| target_choice::choose(state, kind))
                recheck=Callback::new(move |()| sheet::replan(state))
                not_imported=mapping::not_imported(state.plan, state.form.target)
            />
            <diagnosis::DiagnosisPanel diagnosis=state.findings.diagnosis active=active />
            <resume::ResumeOffer
                offer=resume::offer(state)
                elsewhere=Memo::new(move |_| tabs::running_elsewhere(state)).into()
                starting=state.run.starting.into()
                resume=resume_saved
                generating=state.run.passwords.generate
            />
            <import::Import
                plan=state.plan
                busy=state.file.busy
                form=state.form
                tuning=state.tuning
                findings=state.findings
                run=state.run
                announcement=state.announcement
                actions=import::Actions::of(state)
            />
            <resume::SavedRuns
                list=resume::saved_runs(state)
                active=active
                starting=state.run.starting.into()
                resume=resume_saved
                delete=Callback::new(move |key: String| resume::delete_saved(state, &key))
            />
        </main>
    }
}
