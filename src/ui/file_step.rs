//! Step 1: the file, by drop, by the keyboard-reachable file picker, or pasted; how it is
//! read (encoding, delimiter, header, skipped lines: detected, each can be overridden);
//! and the column mapping (given as the step's children). The step reads the file's part
//! of the state and asks the page for the rest ([`FileActions`]).

use leptos::prelude::*;
use roster_core::input::decode::TextEncoding;
use roster_core::input::detect::{delimiter_name, DELIMITERS};
use roster_core::input::plan::Tally;
use roster_core::input::read::ReadOptions;

use super::sheet::{self, Busy, Detected, FileState};
use super::state::AppState;

fn refuse_while_running(state: AppState) -> bool {
    if state.run.active.get_untracked() {
        state.file.error.set(Some(
            "An import is running: wait for it to end before loading another file.".into(),
        ));
        return true;
    }
    false
}

/// What the file step asks of the page: each refuses while an import runs, and says so.
#[derive(Clone, Copy)]
pub struct FileActions {
    /// Loads a dropped or picked file.
    pub load: Callback<web_sys::File>,
    /// Loads pasted text; false when it did not (nothing pasted, or refused).
    pub paste: Callback<String, bool>,
    /// Reads the file again with these reading settings.
    pub set: Callback<ReadOptions>,
    /// Plans the rows again (a rule's setting changed).
    pub replan: Callback<()>,
}

impl FileActions {
    pub fn of(state: AppState) -> FileActions {
        FileActions {
            load: Callback::new(move |file| {
                if !refuse_while_running(state) {
                    sheet::load_file(state, file);
                }
            }),
            paste: Callback::new(move |text: String| {
                if refuse_while_running(state) {
                    return false;
                }
                if text.trim().is_empty() {
                    state
                        .file
                        .error
                        .set(Some("Paste or type some rows first.".into()));
                    return false;
                }
                sheet::load_bytes(state, "Pasted rows".into(), text.into_bytes());
                true
            }),
            set: Callback::new(move |options| {
                if !refuse_while_running(state) {
                    state.file.options.set(options);
                    sheet::reread(state);
                }
            }),
            replan: Callback::new(move |()| sheet::replan(state)),
        }
    }
}

/// One reading setting as the page's controls give it (their value, as typed or picked).
#[derive(Clone, Copy, Debug)]
pub enum Setting<'a> {
    /// An encoding's key; anything else is "detect".
    Encoding(&'a str),
    /// The delimiter's character; empty is "detect".
    Delimiter(&'a str),
    /// Lines above the data, as typed: anything but a whole number is none.
    SkipLines(&'a str),
    Header(bool),
}

impl Setting<'_> {
    /// Sets this setting in `o`: it is the user's choice from now on.
    pub fn apply(self, o: &mut ReadOptions) {
        match self {
            Setting::Encoding(key) => o.encoding = TextEncoding::from_key(key),
            Setting::Delimiter(d) => o.delimiter = d.bytes().next(),
            Setting::SkipLines(n) => o.skip_lines = Some(n.trim().parse::<usize>().unwrap_or(0)),
            Setting::Header(on) => o.header = Some(on),
        }
    }
}

/// Says whether a reading setting was detected or chosen.
pub fn mark(overridden: bool) -> &'static str {
    if overridden {
        "(your choice)"
    } else {
        "(detected)"
    }
}

/// The file's summary under the drop zone: its rows, how they were read, and what could
/// not be read cleanly.
pub fn summary(
    name: &str,
    d: &Detected,
    t: &Tally,
    notes: &[String],
    literal_quotes: bool,
    sheet: Option<&str>,
) -> String {
    // The core's sentence, the same the command line prints.
    roster_core::input::summary::file_summary(&roster_core::input::summary::FileFacts {
        name,
        rows: d.rows,
        tally: *t,
        encoding: d.encoding,
        layout: roster_core::input::read::Layout {
            literal_quotes,
            ..d.layout
        },
        notes,
        sheet,
    })
}

/// The reading settings, detected or chosen; `set` changes one and reads the file again.
/// A workbook's sheet has no encoding or delimiter to choose (its reader writes the text
/// itself): the style sheet hides them when the Sheet select has options.
#[component]
fn ReadSettings(
    detected: Signal<Option<Detected>>,
    options: Signal<ReadOptions>,
    locked: Signal<bool>,
    set: Callback<ReadOptions>,
) -> impl IntoView {
    let detected = move || detected.get();
    let set_option = move |f: &dyn Fn(&mut ReadOptions)| {
        let mut o = options.get_untracked();
        f(&mut o);
        set.run(o);
    };
    view! {
        <Show when=move || detected().is_some()>
            <div class="read-settings fields">
                <label for="encoding">"Encoding"</label>
                <span class="setting">
                    <select
                        id="encoding"
                        disabled=locked
                        prop:value=move || detected().map_or("", |d| d.encoding.key())
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            set_option(&|o| Setting::Encoding(&value).apply(o));
                        }
                    >
                        {TextEncoding::ALL
                            .into_iter()
                            .map(|e| view! { <option value=e.key()>{e.label()}</option> })
                            .collect_view()}
                    </select>
                    <span class="hint">{move || mark(options.get().encoding.is_some())}</span>
                </span>

                <label for="delimiter">"Delimiter"</label>
                <span class="setting">
                    <select
                        id="delimiter"
                        disabled=locked
                        prop:value=move || detected().map_or(String::new(), |d| (d.layout.delimiter as char).to_string())
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            set_option(&|o| Setting::Delimiter(&value).apply(o));
                        }
                    >
                        {DELIMITERS
                            .into_iter()
                            .map(|d| view! { <option value=(d as char).to_string()>{delimiter_name(d)}</option> })
                            .collect_view()}
                    </select>
                    <span class="hint">{move || mark(options.get().delimiter.is_some())}</span>
                </span>

                <label for="skip-lines">"Skip lines"</label>
                <span class="setting">
                    <input
                        id="skip-lines"
                        type="number"
                        min="0"
                        step="1"
                        disabled=locked
                        prop:value=move || detected().map_or(0, |d| d.layout.skip_lines).to_string()
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            set_option(&|o| Setting::SkipLines(&value).apply(o));
                        }
                    />
                    <span class="hint">{move || mark(options.get().skip_lines.is_some())} " lines above the data, such as a title"</span>
                </span>

                <span></span>
                <span class="setting">
                    <input
                        id="has-header"
                        type="checkbox"
                        disabled=locked
                        prop:checked=move || detected().is_some_and(|d| d.layout.header)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            set_option(&|o| Setting::Header(on).apply(o));
                        }
                    />
                    <label for="has-header">"First line is a header"</label>
                    <span class="hint">{move || mark(options.get().header.is_some())}</span>
                </span>
            </div>
        </Show>
    }
}

/// A workbook's "Sheet" select (issue 25), shown only for a workbook with several sheets:
/// hidden sheets are listed and marked (the options' labels, value, label, value, …, come
/// from the reader's module, `src/glue/sheets_page.js`, which also remembers the choice
/// for the workbook's sheet names); a pick reads the workbook again. A plain function,
/// hidden rather than inside a `Show`: the least it can cost the page's first load (see
/// BENCHMARKS.md's spreadsheet section).
#[cfg(feature = "sheets")]
fn sheet_select(
    file: FileState,
    locked: Signal<bool>,
    set: Callback<ReadOptions>,
) -> impl IntoView {
    let on_change = move |ev: web_sys::Event| {
        // Another sheet: the kept sheet's text goes before the next one comes.
        file.bytes.set_value(None);
        file.sheet.set(Some(event_target_value(&ev)));
        set.run(file.options.get_untracked());
    };
    view! {
        <p class="sheet-select" hidden=move || file.workbook.with(|w| w.len() < 4)>
            <label for="sheet-select">"Sheet "</label>
            <select id="sheet-select" disabled=locked on:change=on_change>
                {move || {
                    let chosen = file.sheet.get().unwrap_or_default();
                    file.workbook
                        .get()
                        .chunks_exact(2)
                        .map(|o| {
                            view! {
                                <option value=o[0].clone() selected=o[0] == chosen>
                                    {o[1].clone()}
                                </option>
                            }
                        })
                        .collect_view()
                }}
            </select>
        </p>
    }
}

/// Without the spreadsheet reader (Cargo.toml's `sheets` feature, off only to measure
/// what it costs the first load): no select.
#[cfg(not(feature = "sheets"))]
fn sheet_select(_: FileState, _: Signal<bool>, _: Callback<ReadOptions>) -> impl IntoView {}

/// How far reading the file has come.
#[component]
fn Progress(busy: Signal<Option<Busy>>) -> impl IntoView {
    let busy = move || busy.get();
    view! {
        <Show when=move || busy().is_some()>
            <div class="reading">
                <progress
                    aria-label="Reading progress"
                    max="100"
                    value=move || busy().map_or(0, |b: Busy| (b.fraction * 100.0).round() as u32)
                ></progress>
                <span>{move || busy().map(|b| format!("{}… {}%", b.what, super::fixed(b.fraction * 100.0, 0)))}</span>
            </div>
        </Show>
    }
}

/// Step 1. `children` is the column mapping, shown at the end of the step.
#[component]
pub fn FileStep(
    file: FileState,
    tally: Signal<Tally>,
    accept_dotless: RwSignal<bool>,
    active: Signal<bool>,
    actions: FileActions,
    children: Children,
) -> impl IntoView {
    let dragging = RwSignal::new(false);
    let pasted = RwSignal::new(String::new());
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        if let Some(f) = ev
            .data_transfer()
            .and_then(|dt| dt.files())
            .and_then(|files| files.get(0))
        {
            actions.load.run(f);
        }
    };
    let on_pick = move |ev: web_sys::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        if let Some(f) = input.files().and_then(|files| files.get(0)) {
            actions.load.run(f);
        }
        // Picking the same file again must load it again.
        input.set_value("");
    };
    let load_pasted = move |_| {
        // The text may hold passwords: it leaves the text area once loaded.
        if actions.paste.run(pasted.get_untracked()) {
            pasted.set(String::new());
        }
    };
    let set_quotes = move |literal: bool| {
        let mut o = file.options.get_untracked();
        o.literal_quotes = literal;
        actions.set.run(o);
    };
    let busy_or_active = move || active.get() || file.busy.get().is_some();
    let summary = move || {
        Some(summary(
            &file.name.get()?,
            &file.detected.get()?,
            &tally.get(),
            &file.notes.get(),
            file.options.get().literal_quotes,
            file.sheet.get().as_deref(),
        ))
    };
    view! {
        <section class="step" aria-labelledby="step-file">
            <h2 id="step-file">"1. File"</h2>
            <div
                class="dropzone"
                class:dragging=move || dragging.get()
                role="region"
                aria-label="Drop zone"
                on:dragover=move |ev: web_sys::DragEvent| {
                    ev.prevent_default();
                    dragging.set(true);
                }
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop
            >
                <p>"Drop a CSV, TSV or pipe-delimited file here (one account per line, e.g. " <code>"a@example.com | password"</code> "), an Excel (.xlsx) or OpenDocument (.ods) workbook, or"</p>
                <input
                    id="file-input"
                    class="file-input"
                    type="file"
                    accept=".csv,.txt,.tsv,.xlsx,.ods,.xls,text/csv,text/plain,text/tab-separated-values"
                    on:change=on_pick
                />
                <label for="file-input" class="button">"Choose file"</label>
            </div>
            <div class="paste">
                <label for="paste-rows">"Paste rows"</label>
                <textarea
                    id="paste-rows"
                    rows="5"
                    spellcheck="false"
                    autocomplete="off"
                    placeholder="a@example.com | password"
                    prop:value=move || pasted.get()
                    on:input=move |ev| pasted.set(event_target_value(&ev))
                ></textarea>
                <button type="button" disabled=move || active.get() on:click=load_pasted>
                    "Load pasted rows"
                </button>
            </div>
            <Progress busy=file.busy.into() />
            <Show when=move || file.error.get().is_some()>
                <p class="error" role="alert">{move || file.error.get()}</p>
            </Show>
            <p class="summary">{summary}</p>
            {sheet_select(file, Signal::derive(busy_or_active), actions.set)}
            <Show when=move || {
                file.detected.get().is_some_and(|d| d.stray_quotes)
                    && !file.options.get().literal_quotes
            }>
                <p class="stray-quotes">
                    <button
                        type="button"
                        disabled=busy_or_active
                        on:click=move |_| set_quotes(true)
                    >
                        "Re-read with stray quotes taken literally"
                    </button>
                    " A quote that does not close on its own line is then read as an ordinary character, so the lines after it come back as rows."
                </p>
            </Show>
            <Show when=move || file.options.get().literal_quotes && file.detected.get().is_some()>
                <p class="stray-quotes">
                    <button
                        type="button"
                        disabled=busy_or_active
                        on:click=move |_| set_quotes(false)
                    >
                        "Read quotes strictly again"
                    </button>
                </p>
            </Show>
            <Show when=move || file.detected.get().is_some()>
                <div class="row-actions">
                    <label class="check">
                        <input
                            type="checkbox"
                            disabled=move || active.get()
                            prop:checked=move || accept_dotless.get()
                            on:change=move |ev| {
                                accept_dotless.set(event_target_checked(&ev));
                                actions.replan.run(());
                            }
                        />
                        {format!(" {} ", roster_core::input::validate::ACCEPT_DOTLESS)}
                        <span class="hint">"(intranet names such as " <code>"x@intranet"</code> "; " <code>"localhost"</code> " is always accepted)"</span>
                    </label>
                </div>
            </Show>
            <ReadSettings
                detected=file.detected.into()
                options=file.options.into()
                locked=Signal::derive(busy_or_active)
                set=actions.set
            />
            {children()}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use roster_core::input::read::Layout;

    use super::*;

    fn detected(header: bool) -> Detected {
        Detected {
            encoding: TextEncoding::Utf8,
            layout: Layout {
                delimiter: b';',
                skip_lines: 0,
                header,
                literal_quotes: false,
            },
            rows: 5,
            stray_quotes: false,
        }
    }

    fn tally() -> Tally {
        Tally {
            valid: 3,
            invalid: 1,
            excluded: 1,
            missing: 0,
        }
    }

    #[test]
    fn the_summary_says_what_was_read_and_how() {
        let s = summary("users.csv", &detected(true), &tally(), &[], false, None);
        assert!(
            s.starts_with("users.csv: 5 rows (3 ready, 1 invalid, 1 excluded). Encoding: "),
            "{s}"
        );
        assert!(s.contains(TextEncoding::Utf8.label()), "{s}");
        assert!(
            s.contains(&format!("Delimiter: {}.", delimiter_name(b';'))),
            "{s}"
        );
        assert!(s.ends_with("First line is a header."), "{s}");
        let s = summary("users.csv", &detected(false), &tally(), &[], false, None);
        assert!(s.ends_with("No header line."), "{s}");
    }

    #[test]
    fn the_summary_lists_what_was_not_read_cleanly() {
        let one = vec!["line 4: a quote does not close".to_owned()];
        let s = summary("f", &detected(true), &tally(), &one, false, None);
        assert!(
            s.ends_with(" Not read cleanly: line 4: a quote does not close."),
            "{s}"
        );
        let two = vec!["line 4: x".to_owned(), "line 9: y".to_owned()];
        let s = summary("f", &detected(true), &tally(), &two, true, None);
        assert!(
            s.ends_with(
                " Stray quotes were taken literally. 2 problems reading the file: line 4: x; line 9: y."
            ),
            "{s}"
        );
    }

    #[test]
    fn a_controls_value_becomes_a_chosen_setting() {
        let with = |s: Setting| {
            let mut o = ReadOptions::default();
            s.apply(&mut o);
            o
        };
        let key = TextEncoding::Windows1252.key();
        assert_eq!(
            with(Setting::Encoding(key)).encoding,
            Some(TextEncoding::Windows1252)
        );
        assert_eq!(with(Setting::Encoding("nonsense")).encoding, None);
        assert_eq!(with(Setting::Delimiter(";")).delimiter, Some(b';'));
        assert_eq!(with(Setting::Delimiter("\t")).delimiter, Some(b'\t'));
        assert_eq!(with(Setting::Delimiter("")).delimiter, None);
        assert_eq!(with(Setting::SkipLines(" 3 ")).skip_lines, Some(3));
        // Not a whole number: no lines skipped (the field shows 0), never an error.
        for typed in ["", "x", "-1", "2.5", "99999999999999999999999"] {
            assert_eq!(
                with(Setting::SkipLines(typed)).skip_lines,
                Some(0),
                "{typed}"
            );
        }
        assert_eq!(with(Setting::Header(false)).header, Some(false));
        // One setting leaves the others as they were.
        let mut o = ReadOptions {
            delimiter: Some(b'|'),
            ..ReadOptions::default()
        };
        Setting::Header(true).apply(&mut o);
        assert_eq!(o.delimiter, Some(b'|'));
    }

    #[test]
    fn a_setting_says_whether_it_was_chosen() {
        assert_eq!(mark(true), "(your choice)");
        assert_eq!(mark(false), "(detected)");
    }
}
