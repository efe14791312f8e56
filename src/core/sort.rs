//! One small sort for the readers (band order, dwell marks, repeats, name lookups, problems
//! in text order): a heapsort of indices, O(n log n) in the worst case whatever the input.
//! It is not generic (the order comes through `&dyn Fn`), so the site tag holds one copy
//! of it, where the library's sorts, or one heapsort per element type, cost kilobytes.

use crate::prelude::*;

/// A comparison of two items by index: whether `a` goes before `b`.
pub(crate) type Less<'a> = &'a dyn Fn(u32, u32) -> bool;

/// `0..n` sorted by `less`. Not stable: callers that need ties in order compare the
/// indices last.
pub(crate) fn order(n: usize, less: Less) -> Vec<u32> {
    let mut v: Vec<u32> = (0..n as u32).collect();
    for start in (0..n / 2).rev() {
        sift_down(&mut v, start, n, less);
    }
    for end in (1..n).rev() {
        v.swap(0, end);
        sift_down(&mut v, 0, end, less);
    }
    v
}

fn sift_down(v: &mut [u32], mut root: usize, end: usize, less: Less) {
    loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && less(v[child], v[child + 1]) {
            child += 1;
        }
        if !less(v[root], v[child]) {
            return;
        }
        v.swap(root, child);
        root = child;
    }
}

/// Puts the items of `v` in the given order (`order[p]` is the index of the item that
/// goes to `p`), in place by following the permutation's cycles: only `swap` is generic.
pub(crate) fn permute<T>(v: &mut [T], order: &[u32]) {
    let mut done = vec![false; v.len()];
    for start in 0..v.len().min(order.len()) {
        let mut p = start;
        while !done[p] {
            done[p] = true;
            let q = order[p] as usize;
            if q == start || q >= v.len() {
                break;
            }
            v.swap(p, q);
            p = q;
        }
    }
}

/// Indices `0..n` sorted by name (ties by index): a lookup table for [`find`].
pub(crate) fn index_by<'a>(n: usize, name: &dyn Fn(usize) -> &'a str) -> Vec<u32> {
    order(n, &|a, b| (name(a as usize), a) < (name(b as usize), b))
}

/// The first item named `key` in a table made by [`index_by`], by binary search.
pub(crate) fn find<'a>(index: &[u32], name: &dyn Fn(usize) -> &'a str, key: &str) -> Option<usize> {
    let at = index.partition_point(|&i| name(i as usize) < key);
    index
        .get(at)
        .map(|&i| i as usize)
        .filter(|&i| name(i) == key)
}

/// Indices of the items whose name an earlier item already has, ascending.
pub(crate) fn repeats<'a>(n: usize, name: &dyn Fn(usize) -> &'a str) -> Vec<usize> {
    let sorted = index_by(n, name);
    let mut repeated = vec![false; n];
    for w in sorted.windows(2) {
        repeated[w[1] as usize] = name(w[0] as usize) == name(w[1] as usize);
    }
    (0..n).filter(|&i| repeated[i]).collect()
}

/// Ids for `names` in order of first appearance (equal names share an id), and the
/// number of distinct names, in O(n log n) comparisons.
pub(crate) fn first_appearance_ids(names: &[&str]) -> (Vec<u32>, usize) {
    let sorted = index_by(names.len(), &|i| names[i]);
    // Each group's first index, in name order; then ranked by that first index.
    let mut group_of = vec![0u32; names.len()];
    let mut firsts: Vec<u32> = Vec::new();
    for (k, &i) in sorted.iter().enumerate() {
        if k == 0 || names[sorted[k - 1] as usize] != names[i as usize] {
            firsts.push(i);
        }
        group_of[i as usize] = firsts.len() as u32 - 1;
    }
    let by_first = order(firsts.len(), &|a, b| {
        firsts[a as usize] < firsts[b as usize]
    });
    let mut rank = vec![0u32; firsts.len()];
    for (r, &g) in by_first.iter().enumerate() {
        rank[g as usize] = r as u32;
    }
    let ids = group_of.iter().map(|&g| rank[g as usize]).collect();
    (ids, firsts.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_the_library() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for n in 0..200 {
            let v: Vec<u64> = (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x % 50
                })
                .collect();
            let mut want = v.clone();
            want.sort();
            let o = order(v.len(), &|a, b| v[a as usize] < v[b as usize]);
            let mut v = v;
            permute(&mut v, &o);
            assert_eq!(v, want);
        }
    }

    #[test]
    fn finds_and_repeats() {
        let names = ["b", "a", "b", "c", "a", "b"];
        let index = index_by(names.len(), &|i| names[i]);
        assert_eq!(find(&index, &|i| names[i], "b"), Some(0));
        assert_eq!(find(&index, &|i| names[i], "c"), Some(3));
        assert_eq!(find(&index, &|i| names[i], "d"), None);
        assert_eq!(find(&index, &|i| names[i], ""), None);
        assert_eq!(repeats(names.len(), &|i| names[i]), vec![2, 4, 5]);
    }

    #[test]
    fn ids_follow_first_appearance() {
        let (ids, n) = first_appearance_ids(&["b", "a", "b", "c", "a"]);
        assert_eq!((ids, n), (vec![0, 1, 0, 2, 1], 3));
        assert_eq!(first_appearance_ids(&[]), (vec![], 0));
    }
}
