//! One small in-place sort for the rules reader (band order, dwell marks, duplicate and
//! name lookups): a heapsort, O(n log n) in the worst case whatever the input, in a few
//! hundred bytes of wasm where the library's sorts cost kilobytes in the site tag.

use crate::prelude::*;

/// Sorts `v` so that no element is `less` than one before it. Not stable: callers that
/// need ties kept in order compare the original index last.
pub(crate) fn sort_by<T>(v: &mut [T], less: impl Fn(&T, &T) -> bool) {
    let n = v.len();
    for start in (0..n / 2).rev() {
        sift_down(v, start, n, &less);
    }
    for end in (1..n).rev() {
        v.swap(0, end);
        sift_down(v, 0, end, &less);
    }
}

fn sift_down<T>(v: &mut [T], mut root: usize, end: usize, less: &impl Fn(&T, &T) -> bool) {
    loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && less(&v[child], &v[child + 1]) {
            child += 1;
        }
        if !less(&v[root], &v[child]) {
            return;
        }
        v.swap(root, child);
        root = child;
    }
}

/// Ids for `names` in order of first appearance (equal names share an id), and the
/// number of distinct names, in O(n log n) comparisons.
pub(crate) fn first_appearance_ids(names: &[&str]) -> (Vec<u32>, usize) {
    let mut order: Vec<u32> = (0..names.len() as u32).collect();
    let name = |i: &u32| names[*i as usize];
    sort_by(&mut order, |a, b| (name(a), a) < (name(b), b));
    // Each group's first index, in name order; then ranked by that first index.
    let mut group_of = vec![0u32; names.len()];
    let mut firsts: Vec<u32> = Vec::new();
    for (k, &i) in order.iter().enumerate() {
        if k == 0 || name(&order[k - 1]) != name(&i) {
            firsts.push(i);
        }
        group_of[i as usize] = firsts.len() as u32 - 1;
    }
    let mut by_first: Vec<u32> = (0..firsts.len() as u32).collect();
    sort_by(&mut by_first, |a, b| {
        firsts[*a as usize] < firsts[*b as usize]
    });
    let mut rank = vec![0u32; firsts.len()];
    for (r, &g) in by_first.iter().enumerate() {
        rank[g as usize] = r as u32;
    }
    let ids = group_of.iter().map(|&g| rank[g as usize]).collect();
    (ids, firsts.len())
}

/// Indices `0..n` sorted by `name` (ties by index): a lookup table for [`find`].
pub(crate) fn index_by<'a>(n: usize, name: impl Fn(usize) -> &'a str) -> Vec<u32> {
    let mut order: Vec<u32> = (0..n as u32).collect();
    sort_by(&mut order, |a, b| {
        (name(*a as usize), a) < (name(*b as usize), b)
    });
    order
}

/// The first item named `key` in a table made by [`index_by`], by binary search.
pub(crate) fn find<'a>(index: &[u32], name: impl Fn(usize) -> &'a str, key: &str) -> Option<usize> {
    let at = index.partition_point(|&i| name(i as usize) < key);
    index
        .get(at)
        .map(|&i| i as usize)
        .filter(|&i| name(i) == key)
}

/// Indices of the items whose name an earlier item already has, ascending.
pub(crate) fn repeats<'a>(n: usize, name: impl Fn(usize) -> &'a str) -> Vec<usize> {
    let order = index_by(n, &name);
    let mut out: Vec<usize> = order
        .windows(2)
        .filter(|w| name(w[0] as usize) == name(w[1] as usize))
        .map(|w| w[1] as usize)
        .collect();
    sort_by(&mut out, |a, b| a < b);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_the_library() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for n in 0..200 {
            let mut v: Vec<u64> = (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x % 50
                })
                .collect();
            let mut want = v.clone();
            want.sort();
            sort_by(&mut v, |a, b| a < b);
            assert_eq!(v, want);
        }
    }

    #[test]
    fn finds_and_repeats() {
        let names = ["b", "a", "b", "c", "a", "b"];
        let index = index_by(names.len(), |i| names[i]);
        assert_eq!(find(&index, |i| names[i], "b"), Some(0));
        assert_eq!(find(&index, |i| names[i], "c"), Some(3));
        assert_eq!(find(&index, |i| names[i], "d"), None);
        assert_eq!(find(&index, |i| names[i], ""), None);
        assert_eq!(repeats(names.len(), |i| names[i]), vec![2, 4, 5]);
    }

    #[test]
    fn ids_follow_first_appearance() {
        let (ids, n) = first_appearance_ids(&["b", "a", "b", "c", "a"]);
        assert_eq!((ids, n), (vec![0, 1, 0, 2, 1], 3));
        assert_eq!(first_appearance_ids(&[]), (vec![], 0));
    }
}
