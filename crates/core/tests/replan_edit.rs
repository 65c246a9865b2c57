//! An edit (or an exclusion) while the rows are checked again in steps (the page's
//! re-check after a setting or mapping change, spread over several tasks for a large
//! file): whatever step the re-check is at, the plan it ends with is the edited sheet's.
//! The page used to apply the edit to the plan being replaced and to the half-built
//! duplicate index: the re-check then ended with the row planned from the old cell (two
//! rows with one address both ready) or with the row indexed twice.

use roster_core::input::map::Field;
use roster_core::input::plan::{PlannedRow, Sheet, Tally};
use roster_core::input::read::ReadOptions;
use roster_core::input::reading::{read_all, Planning};
use roster_core::input::validate::Rules;

const N: usize = 40;
/// Rows per step: the re-check takes 3 × N / STEP steps.
const STEP: usize = 4;

fn file() -> String {
    let mut text = String::from("email,password\n");
    for k in 0..N {
        text.push_str(&format!("user{k}@example.com,Password-{k}\n"));
    }
    text
}

fn rules(min_password_len: usize) -> Rules {
    Rules {
        min_password_len,
        ..Rules::new(vec![Field::Email, Field::Password])
    }
}

/// The file loaded, then a setting changed: the re-check begun as the page begins it
/// (the new rules in the sheet, the old plan's exclusions carried), `steps` steps done.
fn rechecking(steps: usize) -> (Sheet, Planning) {
    let loaded = read_all(file().as_bytes(), ReadOptions::default(), rules(0)).unwrap();
    let mut sheet = loaded.sheet;
    sheet.rules = rules(8);
    let excluded = loaded.rows.iter().map(|r| r.excluded).collect();
    let mut planning = Planning::new(&mut sheet, Some(excluded));
    for _ in 0..steps {
        if planning.step(&mut sheet, STEP) {
            break;
        }
    }
    (sheet, planning)
}

fn finish(mut sheet: Sheet, mut planning: Planning) -> (Sheet, Vec<PlannedRow>, Tally) {
    while !planning.step(&mut sheet, STEP) {}
    let (rows, tally) = planning.finish();
    (sheet, rows, tally)
}

fn duplicate(row: &PlannedRow) -> bool {
    row.problems_text().contains("more than once")
}

/// Every point of the re-check (each pass, before and after the row): row 2's address
/// edited to row 0's makes both duplicates, and only them.
#[test]
fn an_edit_at_any_step_of_a_recheck_ends_in_the_edited_sheets_plan() {
    let steps = 3 * N / STEP;
    for at in 0..=steps {
        let (mut sheet, mut planning) = rechecking(at);
        planning.edit(&mut sheet, 2, 0, "user0@example.com");
        let (sheet, rows, tally) = finish(sheet, planning);
        assert_eq!(&*rows[2].email, "user0@example.com", "edited at step {at}");
        assert!(
            duplicate(&rows[0]) && duplicate(&rows[2]),
            "edited at step {at}: {:?} / {:?}",
            rows[0].problems_text(),
            rows[2].problems_text()
        );
        let flagged: Vec<usize> = (0..N).filter(|&i| !rows[i].is_valid()).collect();
        assert_eq!(flagged, [0, 2], "edited at step {at}");
        assert_eq!(
            (tally.valid, tally.invalid, tally.excluded),
            (N - 2, 2, 0),
            "edited at step {at}"
        );
        // The index holds each row once, with its new address: row 2's first is row 0.
        assert_eq!(sheet.first_of(&rows, 2), Some(0), "edited at step {at}");
        assert_eq!(sheet.first_of(&rows, 0), Some(0), "edited at step {at}");
    }
}

/// An address edited away from a duplicate: the row it shared it with is no longer
/// marked a duplicate of a row that does not have that address.
#[test]
fn an_edit_that_ends_a_duplicate_during_a_recheck_clears_both_rows() {
    let steps = 3 * N / STEP;
    for at in 0..=steps {
        let loaded = read_all(
            format!("{}user0@example.com,Password-x\n", file()).as_bytes(),
            ReadOptions::default(),
            rules(0),
        )
        .unwrap();
        let mut sheet = loaded.sheet;
        sheet.rules = rules(8);
        let mut planning = Planning::new(&mut sheet, None);
        for _ in 0..at {
            if planning.step(&mut sheet, STEP) {
                break;
            }
        }
        planning.edit(&mut sheet, N, 0, "fresh@example.com");
        let (_, rows, tally) = finish(sheet, planning);
        assert!(rows.iter().all(PlannedRow::is_valid), "edited at step {at}");
        assert_eq!(
            (tally.valid, tally.invalid),
            (N + 1, 0),
            "edited at step {at}"
        );
    }
}

/// An exclusion during the re-check is kept, and counts: row 0 excluded after row 2
/// took its address leaves row 2 ready.
#[test]
fn an_exclusion_during_a_recheck_is_kept_and_counted() {
    let steps = 3 * N / STEP;
    for at in 0..=steps {
        let (mut sheet, mut planning) = rechecking(at);
        planning.edit(&mut sheet, 2, 0, "user0@example.com");
        if planning.step(&mut sheet, STEP) {
            // Done already: the page would have shown the plan; nothing more to test.
            continue;
        }
        planning.set_excluded(&mut sheet, 0, true);
        let (_, rows, tally) = finish(sheet, planning);
        assert!(rows[0].excluded, "excluded at step {at}");
        assert!(rows[2].is_valid(), "{}", rows[2].problems_text());
        assert_eq!(
            (tally.valid, tally.invalid, tally.excluded),
            (N - 1, 0, 1),
            "excluded at step {at}"
        );
    }
}
