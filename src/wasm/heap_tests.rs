//! The allocator over a `Vec`-backed arena: size classes, alignment, reuse, growth,
//! exhaustion, and a random model run in which no two live blocks overlap and every
//! block keeps what was written to it.

use super::*;
use std::vec::Vec;

/// Up to `max` pages carved from one boxed buffer, page-aligned like wasm memory.
struct Arena {
    buf: Vec<u8>,
    base: usize,
    used: usize,
    max: usize,
}

impl Arena {
    fn new(max: usize) -> Arena {
        let buf = vec![0u8; (max + 1) * PAGE];
        let base = (buf.as_ptr() as usize).next_multiple_of(PAGE);
        Arena {
            buf,
            base,
            used: 0,
            max,
        }
    }
}

impl Pages for Arena {
    fn grow(&mut self, n: usize) -> Option<usize> {
        if self.used + n > self.max {
            return None;
        }
        let at = self.base + self.used * PAGE;
        self.used += n;
        let _ = &self.buf;
        Some(at)
    }
}

fn layout(size: usize, align: usize) -> Layout {
    Layout::from_size_align(size, align).unwrap()
}

#[test]
fn size_classes() {
    for (size, align, want) in [
        (0, 1, Some(4)),
        (1, 1, Some(4)),
        (16, 8, Some(4)),
        (17, 1, Some(5)),
        (32, 4, Some(5)),
        (33, 1, Some(6)),
        (100, 64, Some(7)),
        (8, 256, Some(8)),
        (65536, 8, Some(16)),
        ((1 << 31) - 1, 1, Some(31)),
        (1 << 31, 1, Some(31)),
        ((1 << 31) + 1, 1, None),
        (usize::MAX / 2, 1, None),
    ] {
        assert_eq!(class(&layout(size, align)), want, "{size} {align}");
    }
}

#[test]
fn blocks_are_aligned_disjoint_and_reused_by_class() {
    let mut h = Heap::new(Arena::new(8));
    unsafe {
        let a = h.alloc(layout(10, 1));
        let b = h.alloc(layout(10, 8));
        let c = h.alloc(layout(40, 8));
        let d = h.alloc(layout(3, 128));
        for p in [a, b, c, d] {
            assert!(!p.is_null());
            assert_eq!(p as usize % 16, 0);
        }
        assert_eq!(d as usize % 128, 0);
        assert!(b as usize >= a as usize + 16 && c as usize >= b as usize + 16);
        // Freed blocks go back to their class, newest first.
        h.dealloc(a, layout(10, 1));
        h.dealloc(b, layout(10, 8));
        assert_eq!(h.alloc(layout(16, 4)), b);
        assert_eq!(h.alloc(layout(1, 1)), a);
        // Another class does not take them.
        h.dealloc(a, layout(1, 1));
        assert_ne!(h.alloc(layout(20, 1)), a);
    }
}

#[test]
fn realloc_keeps_the_block_within_its_class_and_copies_across() {
    let mut h = Heap::new(Arena::new(8));
    unsafe {
        let p = h.alloc(layout(20, 1));
        for i in 0..20 {
            *p.add(i) = i as u8;
        }
        assert_eq!(h.realloc(p, layout(20, 1), 32), p);
        let q = h.realloc(p, layout(32, 1), 1000);
        assert_ne!(q, p);
        assert_eq!(
            (0..20).map(|i| *q.add(i)).collect::<Vec<_>>(),
            (0..20).collect::<Vec<u8>>()
        );
        // The old block is free for its class again.
        assert_eq!(h.alloc(layout(30, 1)), p);
        let r = h.realloc(q, layout(1000, 1), 5);
        assert_eq!(
            (0..5).map(|i| *r.add(i)).collect::<Vec<_>>(),
            [0, 1, 2, 3, 4]
        );
    }
}

#[test]
fn grows_by_pages_and_fails_cleanly_when_memory_or_classes_run_out() {
    let mut h = Heap::new(Arena::new(4));
    unsafe {
        // Larger than a page: several pages at once.
        let big = h.alloc(layout(3 * PAGE / 2, 1));
        assert!(!big.is_null());
        assert_eq!(h.pages.used, 3);
        // More than is left: null, and the heap still works.
        assert!(h.alloc(layout(2 * PAGE, 1)).is_null());
        assert!(!h.alloc(layout(64, 8)).is_null());
        // No class that large: null rather than a panic.
        assert!(h.alloc(layout(usize::MAX / 4, 1)).is_null());
        assert!(h.alloc(layout(1 << 40, 16)).is_null());
        assert!(h.realloc(big, layout(3 * PAGE / 2, 1), 1 << 40).is_null());
    }
}

#[test]
fn random_use_never_overlaps_or_loses_bytes() {
    let mut h = Heap::new(Arena::new(64));
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let mut next = |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    // (address, layout, fill byte)
    let mut live: Vec<(usize, Layout, u8)> = Vec::new();
    unsafe {
        for step in 0..20_000u32 {
            match next(3) {
                0 | 1 if live.len() < 400 => {
                    let size = [1, 7, 16, 24, 100, 300, 4000][next(7) as usize];
                    let l = layout(size, [1, 2, 8, 16, 32][next(5) as usize]);
                    let p = h.alloc(l);
                    assert!(!p.is_null(), "step {step}");
                    assert_eq!(p as usize % l.align(), 0);
                    let fill = step as u8;
                    core::ptr::write_bytes(p, fill, size);
                    live.push((p as usize, l, fill));
                }
                0 if !live.is_empty() => {
                    let i = next(live.len() as u64) as usize;
                    let (p, l, fill) = live[i];
                    let size = [1, 20, 60, 500, 5000][next(5) as usize];
                    let q = h.realloc(p as *mut u8, l, size);
                    assert!(!q.is_null());
                    let kept = l.size().min(size);
                    assert!((0..kept).all(|k| *q.add(k) == fill), "step {step}");
                    core::ptr::write_bytes(q, fill, size);
                    live[i] = (q as usize, layout(size, l.align()), fill);
                }
                _ if !live.is_empty() => {
                    let (p, l, fill) = live.swap_remove(next(live.len() as u64) as usize);
                    assert!((0..l.size()).all(|k| *(p as *const u8).add(k) == fill));
                    h.dealloc(p as *mut u8, l);
                }
                _ => {}
            }
            if step % 1000 == 0 {
                let mut spans: Vec<(usize, usize)> =
                    live.iter().map(|(p, l, _)| (*p, *p + l.size())).collect();
                spans.sort();
                assert!(
                    spans.windows(2).all(|w| w[0].1 <= w[1].0),
                    "overlap at {step}"
                );
            }
        }
        for (p, l, fill) in live {
            assert!((0..l.size()).all(|k| *(p as *const u8).add(k) == fill));
        }
    }
}
