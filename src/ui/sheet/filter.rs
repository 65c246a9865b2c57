//! The table's filters as plain decisions: which statuses count as problems, the check's
//! warning for a domain the server lacks, which rows a filter lists, and where a row sits
//! in the listed order.

use std::collections::BTreeSet;

use roster_core::input::plan::PlannedRow;
use roster_core::{State, Status};

/// Statuses the "Only rows with problems or warnings" filter keeps (with the rows a
/// check warned about).
pub fn is_problem(state: State) -> bool {
    state == State::Invalid || state.is_problem()
}

/// The check's warning for a ready row whose domain the server does not list.
pub fn domain_warning(email: &str, domains: Option<&BTreeSet<String>>) -> Option<String> {
    let domains = domains?;
    let domain = email.rsplit_once('@')?.1.to_lowercase();
    (!domains.contains(&domain)).then(|| {
        format!("Warning from Check: the server has no domain \"{domain}\"; the account would be created without a mailbox.")
    })
}

/// A row's status before any run: skipped when excluded, else pending or invalid.
pub fn plan_status(p: &PlannedRow) -> Status {
    if p.excluded {
        Status::Skipped
    } else if p.is_valid() {
        Status::Pending
    } else {
        Status::Invalid
    }
}

/// The row filters the table offers.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Filters {
    /// "Only rows with problems or warnings".
    pub only_problems: bool,
    /// "Show status": only rows in this state (named as the table names it).
    pub status: Option<State>,
}

impl Filters {
    pub fn any(self) -> bool {
        self.only_problems || self.status.is_some()
    }

    /// Whether a row in `status` (`warned` by the check) is listed.
    pub fn keeps(self, status: State, warned: bool) -> bool {
        // A row still to send whose domain the last check did not find is listed with
        // the problems: its warning is what the admin has to look at.
        let problem = is_problem(status) || (status == State::Ready && warned);
        (!self.only_problems || problem) && self.status.is_none_or(|w| w == status)
    }

    /// The rows of `0..n` the filters list, ascending; `None` when no filter is on
    /// (every row is listed). `warned(i)` is asked only of ready rows.
    pub fn list(
        self,
        n: usize,
        status: impl Fn(usize) -> State,
        warned: impl Fn(usize) -> bool,
    ) -> Option<Vec<usize>> {
        self.any().then(|| {
            (0..n)
                .filter(|&i| {
                    let st = status(i);
                    self.keeps(st, st == State::Ready && warned(i))
                })
                .collect()
        })
    }
}

/// The list position of row `i` in `order` (`None` lists every row).
pub fn position_in(order: Option<&[usize]>, i: usize) -> Option<usize> {
    match order {
        None => Some(i),
        Some(order) => order.binary_search(&i).ok(),
    }
}

/// The row at list position `pos` of `order` (`None` lists every row).
pub fn row_in(order: Option<&[usize]>, pos: usize) -> Option<usize> {
    match order {
        None => Some(pos),
        Some(order) => order.get(pos).copied(),
    }
}

/// The states "Show status" offers, in order (after "all"): every state, by the one word
/// the core names it with ([`roster_core::run::STATE_NAMES`]).
pub fn status_choices() -> impl Iterator<Item = State> {
    roster_core::run::STATE_NAMES.into_iter().map(|(s, _)| s)
}

/// The state "Show status" names `word`; `None` for "all" (or anything else).
pub fn status_named(word: &str) -> Option<State> {
    State::named(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domains(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|d| d.to_string()).collect()
    }

    #[test]
    fn problems_are_the_rows_to_look_at() {
        for st in [
            State::Invalid,
            State::Rejected,
            State::Failed,
            State::Unknown,
        ] {
            assert!(is_problem(st), "{st:?}");
        }
        for st in [
            State::Ready,
            State::Sending,
            State::Created,
            State::Exists,
            State::Excluded,
        ] {
            assert!(!is_problem(st), "{st:?}");
        }
    }

    #[test]
    fn a_domain_the_server_lacks_is_a_warning() {
        let known = domains(&["example.com"]);
        assert_eq!(domain_warning("a@example.com", Some(&known)), None);
        // Domains compare without case.
        assert_eq!(domain_warning("a@Example.COM", Some(&known)), None);
        let w = domain_warning("a@other.org", Some(&known)).unwrap();
        assert!(w.contains("no domain \"other.org\""), "{w}");
        // No check yet, or no address: nothing to say.
        assert_eq!(domain_warning("a@other.org", None), None);
        assert_eq!(domain_warning("not an address", Some(&known)), None);
        // The last @ is the domain's.
        assert_eq!(domain_warning("\"a@b\"@example.com", Some(&known)), None);
    }

    #[test]
    fn no_filter_lists_every_row() {
        let f = Filters::default();
        assert!(!f.any());
        assert_eq!(f.list(3, |_| State::Invalid, |_| true), None);
    }

    #[test]
    fn the_problem_filter_keeps_problems_and_warned_pending_rows() {
        let statuses = [
            State::Ready,
            State::Invalid,
            State::Ready,
            State::Created,
            State::Unknown,
            State::Excluded,
        ];
        let f = Filters {
            only_problems: true,
            status: None,
        };
        // Row 2 is pending with a warned domain; row 5 is "warned" but skipped: not listed.
        let listed = f.list(statuses.len(), |i| statuses[i], |i| i == 2 || i == 5);
        assert_eq!(listed, Some(vec![1, 2, 4]));
    }

    #[test]
    fn the_status_filter_keeps_one_status_and_combines_with_problems() {
        let statuses = [State::Failed, State::Created, State::Failed, State::Ready];
        let failed = Filters {
            only_problems: false,
            status: Some(State::Failed),
        };
        assert_eq!(failed.list(4, |i| statuses[i], |_| false), Some(vec![0, 2]));
        let created_problems = Filters {
            only_problems: true,
            status: Some(State::Created),
        };
        assert_eq!(
            created_problems.list(4, |i| statuses[i], |_| true),
            Some(vec![])
        );
        let pending_problems = Filters {
            only_problems: true,
            status: Some(State::Ready),
        };
        assert_eq!(
            pending_problems.list(4, |i| statuses[i], |_| true),
            Some(vec![3])
        );
        assert_eq!(
            pending_problems.list(4, |i| statuses[i], |_| false),
            Some(vec![])
        );
    }

    #[test]
    fn rows_and_positions_are_inverse() {
        let order = [1, 4, 7];
        for (pos, row) in order.iter().enumerate() {
            assert_eq!(position_in(Some(&order), *row), Some(pos));
            assert_eq!(row_in(Some(&order), pos), Some(*row));
        }
        assert_eq!(position_in(Some(&order), 5), None);
        assert_eq!(row_in(Some(&order), 3), None);
        assert_eq!(position_in(None, 9), Some(9));
        assert_eq!(row_in(None, 9), Some(9));
    }

    #[test]
    fn show_status_names_each_choice_once() {
        let words: Vec<_> = status_choices().map(|s| s.word()).collect();
        assert_eq!(words.first(), Some(&"ready"));
        for w in &words {
            assert_eq!(status_named(w).map(|s| s.word()), Some(*w));
        }
        let mut unique = words.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), words.len());
        assert_eq!(status_named("all"), None);
    }
}
