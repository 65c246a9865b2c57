//! Sorting without a copy of the standard sort for every element type and comparison.
//!
//! `slice::sort_by` is generic: each element type and each closure gets its own copy of
//! the sorting code (about 5 KB of wasm each), and the page sorted in a dozen places. The
//! sorts here order indices once, through one comparison behind a `dyn`, then move the
//! elements into place: one copy of the standard sort in all. For the small lists the
//! page sorts (columns, settings, saved runs, tab names) and a journal's ids on resume
//! (they come in row order: one run through the standard sort, then no swap); not for
//! hot loops over rows.

use std::cmp::Ordering;

/// Sorts `v` by `compare`, stably (equal elements keep their order), like
/// [`slice::sort_by`].
pub fn sort_by<T>(v: &mut [T], mut compare: impl FnMut(&T, &T) -> Ordering) {
    let mut order = order(v.len(), &mut |a, b| compare(&v[a], &v[b]));
    permute(&mut order, &mut |a, b| v.swap(a, b));
}

/// Sorts `v` by a key, stably, like [`slice::sort_by_key`].
pub fn sort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)))
}

/// Sorts `v`, stably, like [`slice::sort`].
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp)
}

/// The indices `0..n` in the order `compare` gives them, stably: the one instance of the
/// standard sort.
fn order(n: usize, compare: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| compare(a, b));
    order
}

/// Moves each element to its place: position `i` receives the element at `order[i]`,
/// one cycle of the permutation at a time, by swaps (each index is marked done by
/// `usize::MAX` once placed).
fn permute(order: &mut [usize], swap: &mut dyn FnMut(usize, usize)) {
    for start in 0..order.len() {
        let mut at = start;
        while order[at] != usize::MAX {
            let from = order[at];
            order[at] = usize::MAX;
            if from == start {
                break;
            }
            swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        /// The same order as the standard stable sort, equal keys included.
        #[test]
        fn sorts_as_the_standard_stable_sort_does(v in prop::collection::vec((0u8..6, any::<u16>()), 0..200)) {
            let mut ours = v.clone();
            super::sort_by_key(&mut ours, |&(k, _)| k);
            let mut std = v.clone();
            std.sort_by_key(|&(k, _)| k);
            prop_assert_eq!(&ours, &std);
            let mut ours = v.clone();
            super::sort(&mut ours);
            let mut std = v;
            std.sort();
            prop_assert_eq!(ours, std);
        }
    }

    #[test]
    fn sorts_strings_and_the_empty_list() {
        let mut names = vec!["b".to_owned(), "a".into(), "c".into(), "a".into()];
        super::sort(&mut names);
        assert_eq!(names, ["a", "a", "b", "c"]);
        let mut none: Vec<String> = Vec::new();
        super::sort(&mut none);
        assert!(none.is_empty());
        let mut desc = vec![1.5_f64, 3.0, 2.0];
        super::sort_by(&mut desc, |a, b| b.total_cmp(a));
        assert_eq!(desc, [3.0, 2.0, 1.5]);
    }
}
