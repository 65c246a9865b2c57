//! The keyboard in the windowed rows table (issue 13). Only a window of rows is
//! rendered, so Tab alone cannot reach every row: ↑ ↓ (and Page Up, Page Down, Home,
//! End) move the focus to the same control on another row, scrolling the window to it;
//! ← → move between a row's controls (Select, its address and password cells, Exclude,
//! Edit). Closing the row editor returns here too.

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::sheet::{self, TableView, ROW_PX};

/// The controls of a row the keyboard moves between (their `data-control`), in order.
pub const SELECT: &str = "select";
pub const CELL: &str = "email";
pub const PASSWORD: &str = "password";
pub const EXCLUDE: &str = "exclude";
pub const EDIT: &str = "edit";
const ORDER: [&str; 5] = [SELECT, CELL, PASSWORD, EXCLUDE, EDIT];

/// What the keyboard needs of the table: its scrolling box, and the row the focus is
/// on its way to (set until the slots show that row and the focus is there, so that
/// keys pressed quickly in a row count from it, not from a slot about to change).
#[derive(Clone, Copy)]
pub struct Keys {
    pub wrap: NodeRef<html::Div>,
    pub pending: StoredValue<Option<usize>>,
    /// The list the keys move through, and the window over it.
    pub view: TableView,
    /// Moves the window to a scroll position: (scroll top, viewport height).
    pub scroll: Callback<(f64, f64)>,
    /// The one control of the table Tab reaches (a roving tabindex, issue 27): the list
    /// position and control last focused; every other control is `tabindex=-1`, and the
    /// arrows move inside.
    pub roving: RwSignal<(usize, &'static str)>,
}

impl Keys {
    pub fn new(view: TableView, scroll: Callback<(f64, f64)>) -> Keys {
        Keys {
            wrap: NodeRef::new(),
            pending: StoredValue::new(None),
            view,
            scroll,
            roving: RwSignal::new((0, CELL)),
        }
    }

    /// `tabindex` of `control` in slot `k`: "0" for the table's one tab stop, else "-1".
    pub fn tab_index(&self, k: usize, control: &'static str) -> &'static str {
        let first = self.view.first.get();
        let shown = self
            .view
            .listed
            .get()
            .saturating_sub(first)
            .min(super::sheet::SLOTS);
        let stop = tab_stop(self.roving.get(), first, shown);
        if stop == (first + k, control) {
            "0"
        } else {
            "-1"
        }
    }

    /// Notes that `control` of slot `k` has the focus: the tab stop moves there.
    pub fn focused(&self, k: usize, control: &'static str) {
        let at = (self.view.first.get_untracked() + k, control);
        if self.roving.get_untracked() != at {
            self.roving.set(at);
        }
    }
}

/// Where the table's one tab stop is: the control last focused when its row is rendered
/// (rows `first .. first + shown`), else the address of the first rendered row, so that
/// Tab always reaches the table, whichever rows are in view.
pub fn tab_stop(last: (usize, &'static str), first: usize, shown: usize) -> (usize, &'static str) {
    if last.0 >= first && last.0 < first + shown {
        last
    } else {
        (first, CELL)
    }
}

/// Moves the focus to `control` of the row at list position `pos`: scrolls the window
/// until that row is in view, then focuses the control once its slot shows the row.
/// A row no longer listed (filtered out) leaves the focus on the table's box.
pub fn focus_row(keys: Keys, pos: Option<usize>, control: &'static str) {
    let Some(el) = keys.wrap.get_untracked() else {
        return;
    };
    keys.pending.set_value(pos);
    if let Some(pos) = pos {
        let head = el
            .query_selector("thead")
            .ok()
            .flatten()
            .and_then(|h| h.dyn_into::<web_sys::HtmlElement>().ok())
            .map_or(ROW_PX, |h| h.offset_height() as f64 + 1.0);
        let viewport = el.client_height() as f64;
        let listed = keys.view.listed.get_untracked();
        if let Some(top) = sheet::reveal_at(listed, pos, el.scroll_top() as f64, viewport, head) {
            el.set_scroll_top(top.round() as i32);
            keys.scroll.run((el.scroll_top() as f64, viewport));
        }
    }
    // The slots take the new rows in render effects: focus after them.
    request_animation_frame(move || {
        let target = pos.and_then(|pos| {
            let selector = format!(
                "tr[aria-rowindex=\"{}\"] [data-control=\"{control}\"]",
                pos + 2
            );
            el.query_selector(&selector)
                .ok()
                .flatten()
                .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
        });
        let options = web_sys::FocusOptions::new();
        // The row is in view already; a scroll by the browser would move the window
        // under the focus.
        options.set_prevent_scroll(true);
        // Then the least scrolling that shows it: the page (the table's box may be off
        // screen) and the box sideways (a narrow screen shows part of the columns). The
        // row is in the box's view already, so its rows stay where they are.
        let nearest = web_sys::ScrollIntoViewOptions::new();
        nearest.set_block(web_sys::ScrollLogicalPosition::Nearest);
        nearest.set_inline(web_sys::ScrollLogicalPosition::Nearest);
        el.scroll_into_view_with_scroll_into_view_options(&nearest);
        match target {
            Some(t) => {
                let _ = t.focus_with_options(&options);
                t.scroll_into_view_with_scroll_into_view_options(&nearest);
            }
            None => {
                let _ = el.focus();
            }
        }
        if keys.pending.get_value() == pos {
            keys.pending.set_value(None);
        }
    });
}

/// Arrow keys on a row's control: ↑ ↓ (and Page Up, Page Down, Home, End) move to the
/// same control on another row, scrolling the window; ← → move between the controls.
pub fn on_row_key(keys: Keys, k: usize, control: &'static str, ev: web_sys::KeyboardEvent) {
    let listed = keys.view.listed.get_untracked();
    if listed == 0 || ev.alt_key() || ev.meta_key() || ev.shift_key() {
        return;
    }
    let here = keys
        .pending
        .get_value()
        .unwrap_or(keys.view.first.get_untracked() + k);
    let page = keys
        .wrap
        .get_untracked()
        .map_or(10, |el| sheet::page_rows(el.client_height() as f64));
    match key_move(&ev.key(), here, listed, page, control) {
        None => {}
        Some(Move::Across(next)) => {
            ev.prevent_default();
            // The row is on screen: focus its control now, so that a second key pressed
            // at once starts from there (not from the control still focused until the
            // next frame).
            if keys.pending.get_value().is_none() && focus_in_row(&ev, next) {
                return;
            }
            focus_row(keys, Some(here.min(listed - 1)), next);
        }
        Some(Move::To(pos)) => {
            ev.prevent_default();
            focus_row(keys, Some(pos), control);
        }
    }
}

/// Where a key on a row's control takes the focus.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Move {
    /// The same control on the row at this list position.
    To(usize),
    /// Another control of the same row.
    Across(&'static str),
}

/// The move a key makes from `control` on list position `here` of `listed` rows (at
/// least one), `page` rows to a page; `None` for keys the table leaves alone.
pub fn key_move(
    key: &str,
    here: usize,
    listed: usize,
    page: usize,
    control: &'static str,
) -> Option<Move> {
    let last = listed.saturating_sub(1);
    let to = |pos: usize| Some(Move::To(pos.min(last)));
    match key {
        "ArrowDown" => to(here.saturating_add(1)),
        "ArrowUp" => to(here.saturating_sub(1)),
        "PageDown" => to(here.saturating_add(page)),
        "PageUp" => to(here.saturating_sub(page)),
        "Home" => to(0),
        "End" => to(last),
        "ArrowLeft" | "ArrowRight" => {
            let at = ORDER.iter().position(|c| *c == control).unwrap_or(0);
            let next = if key == "ArrowLeft" {
                at.saturating_sub(1)
            } else {
                (at + 1).min(ORDER.len() - 1)
            };
            Some(Move::Across(ORDER[next]))
        }
        _ => None,
    }
}

/// Focuses `control` in the same table row as the event's target, if it is there and
/// enabled.
fn focus_in_row(ev: &web_sys::KeyboardEvent, control: &str) -> bool {
    let target = ev
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|el| el.closest("tr").ok().flatten())
        .and_then(|row| {
            row.query_selector(&format!("[data-control=\"{control}\"]"))
                .ok()
                .flatten()
        })
        .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok());
    match target {
        Some(t) if !t.has_attribute("disabled") => t.focus().is_ok(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table is one tab stop (issue 27): the control last focused while its row is
    /// rendered, else the first rendered row's address.
    #[test]
    fn the_one_tab_stop_is_the_last_focused_control_while_its_row_is_shown() {
        assert_eq!(tab_stop((0, CELL), 0, 48), (0, CELL));
        assert_eq!(tab_stop((12, EXCLUDE), 0, 48), (12, EXCLUDE));
        // Scrolled away: the first rendered row's address.
        assert_eq!(tab_stop((12, EXCLUDE), 200, 48), (200, CELL));
        assert_eq!(tab_stop((260, EDIT), 200, 48), (200, CELL));
        assert_eq!(tab_stop((247, EDIT), 200, 48), (247, EDIT));
    }

    #[test]
    fn up_and_down_move_the_same_control_within_the_list() {
        assert_eq!(key_move("ArrowDown", 3, 10, 5, CELL), Some(Move::To(4)));
        assert_eq!(key_move("ArrowDown", 9, 10, 5, CELL), Some(Move::To(9)));
        assert_eq!(key_move("ArrowUp", 0, 10, 5, CELL), Some(Move::To(0)));
        assert_eq!(key_move("PageDown", 3, 10, 5, CELL), Some(Move::To(8)));
        assert_eq!(key_move("PageDown", 7, 10, 5, CELL), Some(Move::To(9)));
        assert_eq!(key_move("PageUp", 3, 10, 5, CELL), Some(Move::To(0)));
        assert_eq!(key_move("Home", 7, 10, 5, CELL), Some(Move::To(0)));
        assert_eq!(key_move("End", 2, 10, 5, CELL), Some(Move::To(9)));
        // A position past the list (the list shrank under a pending move) is clamped.
        assert_eq!(key_move("ArrowUp", 40, 10, 5, CELL), Some(Move::To(9)));
    }

    #[test]
    fn left_and_right_walk_the_row_and_stop_at_its_ends() {
        assert_eq!(
            key_move("ArrowRight", 0, 1, 5, SELECT),
            Some(Move::Across(CELL))
        );
        assert_eq!(
            key_move("ArrowRight", 0, 1, 5, CELL),
            Some(Move::Across(PASSWORD))
        );
        assert_eq!(
            key_move("ArrowRight", 0, 1, 5, EDIT),
            Some(Move::Across(EDIT))
        );
        assert_eq!(
            key_move("ArrowLeft", 0, 1, 5, EXCLUDE),
            Some(Move::Across(PASSWORD))
        );
        assert_eq!(
            key_move("ArrowLeft", 0, 1, 5, SELECT),
            Some(Move::Across(SELECT))
        );
    }

    #[test]
    fn other_keys_are_left_to_the_control() {
        for key in ["Enter", " ", "Tab", "F2", "a", "Escape"] {
            assert_eq!(key_move(key, 2, 10, 5, CELL), None, "{key}");
        }
    }
}
