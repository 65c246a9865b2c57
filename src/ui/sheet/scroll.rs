//! The scroll math of the row window, as plain numbers: which list positions the slots
//! show for a scroll position, where a row must scroll to be in view, and the spacers'
//! heights. Rows have a fixed height ([`ROW_PX`]); past [`MAX_SCROLL_PX`] the scroll
//! position is scaled to a row number instead of mapping pixel for pixel.

use super::model::{MAX_SCROLL_PX, OVERSCAN, ROW_PX, SLOTS};

/// The scroll height of the whole list, capped at [`MAX_SCROLL_PX`].
pub fn scroll_height(listed: usize) -> f64 {
    (listed as f64 * ROW_PX).min(MAX_SCROLL_PX)
}

/// Which rows the slots show: the list position of the first slot, and the height of
/// the space above it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    pub first: usize,
    pub top_px: f64,
}

/// The window for a scroll position and a viewport's height, over `listed` rows.
pub fn window_at(listed: usize, scroll_top: f64, viewport: f64) -> Window {
    let total = listed as f64 * ROW_PX;
    let height = scroll_height(listed);
    let max_first = listed.saturating_sub(SLOTS);
    if total <= height {
        let first = ((scroll_top.max(0.0) / ROW_PX).floor() as usize)
            .saturating_sub(OVERSCAN)
            .min(max_first);
        Window {
            first,
            top_px: first as f64 * ROW_PX,
        }
    } else {
        let in_view = (viewport / ROW_PX).ceil() as usize;
        let fraction = (scroll_top / (height - viewport).max(1.0)).clamp(0.0, 1.0);
        let first_visible = (fraction * listed.saturating_sub(in_view) as f64).round() as usize;
        let first = first_visible.saturating_sub(OVERSCAN).min(max_first);
        let above = (first_visible - first.min(first_visible)) as f64 * ROW_PX;
        Window {
            first,
            top_px: (scroll_top - above).max(0.0),
        }
    }
}

/// The scroll position that shows list position `pos` whole, below the table's sticky
/// header (`head_px` high), or `None` when it is in view already.
pub fn reveal_at(
    listed: usize,
    pos: usize,
    scroll_top: f64,
    viewport: f64,
    head_px: f64,
) -> Option<f64> {
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
        // Scaled (see `window_at`): the scroll position says which row is first in view.
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

/// The height of the space below the rendered rows.
pub fn bottom_px(listed: usize, first: usize, top_px: f64) -> f64 {
    let rendered = listed.saturating_sub(first).min(SLOTS) as f64 * ROW_PX;
    (scroll_height(listed) - top_px - rendered).max(0.0)
}

/// How many rows Page Up and Page Down move in a box `client_height` high: a screenful
/// less two rows, at least one.
pub fn page_rows(client_height: f64) -> usize {
    ((client_height / ROW_PX) as usize).saturating_sub(2).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VIEW: f64 = 480.0;
    const HEAD: f64 = ROW_PX + 1.0;

    /// The list position the row at the top of the viewport has, given a window.
    fn first_in_view(w: Window, scroll_top: f64) -> usize {
        w.first + ((scroll_top - w.top_px) / ROW_PX).floor().max(0.0) as usize
    }

    #[test]
    fn a_short_list_maps_pixel_for_pixel() {
        assert_eq!(scroll_height(100), 3400.0);
        assert_eq!(
            window_at(100, 0.0, VIEW),
            Window {
                first: 0,
                top_px: 0.0
            }
        );
        // Row 10 at the top: six rows of overscan above it.
        assert_eq!(
            window_at(100, 340.0, VIEW),
            Window {
                first: 4,
                top_px: 136.0
            }
        );
        // The last slots stay filled at the bottom.
        assert_eq!(window_at(100, 3400.0 - VIEW, VIEW).first, 100 - SLOTS);
        // Fewer rows than slots: always from the top.
        assert_eq!(window_at(10, 200.0, VIEW).first, 0);
        // A negative scroll (rubber-banding) is the top.
        assert_eq!(window_at(100, -30.0, VIEW).first, 0);
    }

    #[test]
    fn a_million_rows_scale_and_keep_both_ends_reachable() {
        let listed = 1_000_000;
        let height = scroll_height(listed);
        assert_eq!(height, MAX_SCROLL_PX);
        let top = window_at(listed, 0.0, VIEW);
        assert_eq!(top.first, 0);
        let end = window_at(listed, height - VIEW, VIEW);
        assert!(end.first + SLOTS >= listed, "{end:?}");
        assert!(end.top_px <= height);
        // Halfway down shows the rows halfway down.
        let mid = window_at(listed, (height - VIEW) / 2.0, VIEW);
        let shown = first_in_view(mid, (height - VIEW) / 2.0);
        assert!(shown.abs_diff(listed / 2) < 20, "{shown}");
    }

    #[test]
    fn reveal_then_scroll_shows_the_row_whole() {
        for listed in [5, 100, 5_000, 1_000_000] {
            let max = scroll_height(listed) - VIEW;
            for pos in [0, 1, listed / 3, listed / 2, listed - 2, listed - 1] {
                for start in [0.0, max / 2.0, max.max(0.0)] {
                    let top = reveal_at(listed, pos, start, VIEW, HEAD)
                        .unwrap_or(start)
                        .clamp(0.0, max.max(0.0));
                    let w = window_at(listed, top, VIEW);
                    assert!(
                        (w.first..w.first + SLOTS).contains(&pos),
                        "row {pos} of {listed} from {start}: window {w:?}"
                    );
                    // Asked again from there, it is in view: nothing moves.
                    let again = reveal_at(listed, pos, top, VIEW, HEAD);
                    assert!(
                        again.is_none_or(|t| (t.clamp(0.0, max.max(0.0)) - top).abs() < 1.0),
                        "row {pos} of {listed} from {start}: {top} then {again:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_row_in_view_needs_no_scroll() {
        assert_eq!(reveal_at(100, 3, 0.0, VIEW, HEAD), None);
        // Above the view: scroll up to it.
        assert_eq!(reveal_at(100, 2, 340.0, VIEW, HEAD), Some(68.0));
        // Below: scroll until its bottom edge meets the viewport's.
        let room = VIEW - HEAD;
        assert_eq!(
            reveal_at(100, 40, 0.0, VIEW, HEAD),
            Some(41.0 * ROW_PX - room)
        );
    }

    #[test]
    fn the_spacers_make_up_the_whole_height() {
        for listed in [0, 10, 100, 1_000_000] {
            for scroll in [0.0, 1000.0, scroll_height(listed) - VIEW] {
                let w = window_at(listed, scroll.max(0.0), VIEW);
                let rendered = listed.saturating_sub(w.first).min(SLOTS) as f64 * ROW_PX;
                let total = w.top_px + rendered + bottom_px(listed, w.first, w.top_px);
                // At the very end of a scaled list the rendered rows may run past the
                // capped height by less than a row (the bottom spacer is then empty).
                let height = scroll_height(listed);
                assert!(
                    total > height - 1.0 && total < height + ROW_PX,
                    "{listed} rows at {scroll}: {total}"
                );
            }
        }
    }

    #[test]
    fn a_page_is_a_screenful_less_two_rows() {
        assert_eq!(page_rows(480.0), 12);
        assert_eq!(page_rows(0.0), 1);
        assert_eq!(page_rows(50.0), 1);
    }
}
