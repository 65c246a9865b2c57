//! Keeps the keyboard focus on a sensible control while a run changes the buttons under
//! it (issue 13). Pressing Start disables Start, Pause disables Pause, and so on: the
//! browser then drops the focus to `<body>`, and a keyboard user starts over from the
//! top of the page. After one of the run's buttons is pressed, the focus follows the
//! run instead: Pause while it runs, Resume while it is paused, and, once it is over,
//! Download report (or Start import when there is no report). The buttons that apply
//! only to a running run are not shown otherwise; a question (re-send the whole file,
//! cancel the run) takes the focus to its safe answer, and back when it is answered.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::state::{RunState, RunView};

/// The run's buttons, by id (see `import`).
pub const START: &str = "start-import";
pub const PAUSE: &str = "pause";
pub const RESUME: &str = "resume";
pub const CANCEL: &str = "cancel";
pub const REPORT: &str = "download-report";
pub const RETRY: &str = "retry-failed";
/// The answers of the inline questions (see `import::controls`).
pub const CONFIRM_YES: &str = "confirm-yes";
pub const CONFIRM_NO: &str = "confirm-no";
const RUN_BUTTONS: [&str; 8] = [
    START,
    PAUSE,
    RESUME,
    CANCEL,
    REPORT,
    RETRY,
    CONFIRM_YES,
    CONFIRM_NO,
];

/// The focus follows the run while `following` is set; it is set when a run button is
/// pressed and cleared when the user takes the focus elsewhere, or once the run is over.
#[derive(Clone, Copy)]
pub struct RunFocus {
    following: StoredValue<bool>,
}

impl RunFocus {
    pub fn new(run: RunState) -> RunFocus {
        let following = StoredValue::new(false);
        let phase = Memo::new(move |_| (run.view.get(), run.active.get()));
        Effect::new(move |_| {
            let (view, active) = phase.get();
            if !following.get_value() {
                return;
            }
            // After the page has shown the change (buttons enabled or disabled).
            request_animation_frame(move || {
                let Some(document) = document_opt() else {
                    return;
                };
                match document.active_element() {
                    Some(el) if !lost(&el) && !RUN_BUTTONS.contains(&el.id().as_str()) => {
                        following.set_value(false);
                        return;
                    }
                    Some(el) if !lost(&el) => return,
                    _ => {}
                }
                if let Some(el) = follow_to(&view, active)
                    .iter()
                    .find_map(|id| enabled(&document, id))
                {
                    let _ = el.focus();
                    if !active {
                        following.set_value(false);
                    }
                }
            });
        });
        RunFocus { following }
    }

    /// A run button was pressed: the focus follows the run from now on.
    pub fn follow(&self) {
        self.following.set_value(true);
    }
}

/// Where the focus goes as a run moves on, first enabled one first: Pause while it
/// runs, Resume while it is paused, and, once it is over, the report or Start.
pub fn follow_to(view: &RunView, active: bool) -> &'static [&'static str] {
    match (view, active) {
        (RunView::Running, true) => &[PAUSE],
        (RunView::Paused, true) => &[RESUME],
        (_, true) => &[],
        (_, false) => &[REPORT, START],
    }
}

/// Moves the focus to the control with this id once the page has shown it.
pub fn focus_soon(id: &'static str) {
    request_animation_frame(move || {
        if let Some(el) = document_opt().and_then(|d| enabled(&d, id)) {
            let _ = el.focus();
        }
    });
}

/// Scrolls element `id` into view (the nearest edge), after the next paint: an error
/// shown below the screen of a phone comes up to where the eye is (issue 27).
pub fn reveal_soon(id: &'static str) {
    request_animation_frame(move || {
        if let Some(el) = document_opt().and_then(|d| d.get_element_by_id(id)) {
            let nearest = web_sys::ScrollIntoViewOptions::new();
            nearest.set_block(web_sys::ScrollLogicalPosition::Nearest);
            el.scroll_into_view_with_scroll_into_view_options(&nearest);
        }
    });
}

fn document_opt() -> Option<web_sys::Document> {
    web_sys::window().and_then(|w| w.document())
}

/// The focus is nowhere useful: on `<body>`, or on a control that is now disabled.
fn lost(el: &web_sys::Element) -> bool {
    el.tag_name().eq_ignore_ascii_case("body") || el.matches(":disabled").unwrap_or(false)
}

fn enabled(document: &web_sys::Document, id: &str) -> Option<web_sys::HtmlElement> {
    document
        .get_element_by_id(id)
        .filter(|el| !el.matches(":disabled").unwrap_or(true))
        .and_then(|el| el.dyn_into().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_focus_follows_the_run() {
        assert_eq!(follow_to(&RunView::Running, true), &[PAUSE]);
        assert_eq!(follow_to(&RunView::Paused, true), &[RESUME]);
        // Starting, or stopping with requests still in flight: wait.
        assert!(follow_to(&RunView::Idle, true).is_empty());
        assert!(follow_to(&RunView::Finished, true).is_empty());
        // Over, whichever way: the report, else Start.
        for view in [
            RunView::Finished,
            RunView::Stopped("x".into()),
            RunView::LoginFailed,
            RunView::Idle,
        ] {
            assert_eq!(follow_to(&view, false), &[REPORT, START], "{view:?}");
        }
    }

    #[test]
    fn every_place_it_goes_is_a_run_button() {
        for (view, active) in [
            (RunView::Running, true),
            (RunView::Paused, true),
            (RunView::Finished, false),
        ] {
            for id in follow_to(&view, active) {
                assert!(RUN_BUTTONS.contains(id), "{id}");
            }
        }
    }
}
