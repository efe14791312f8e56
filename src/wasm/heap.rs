//! The wasm build's memory allocator: power-of-two size classes, each with a free list,
//! carved from pages the module grows itself. The tag allocates small, short-lived blocks
//! (event texts, a result) in a single thread, so this is all it needs, and it is about a
//! tenth of the code of the default allocator, which matters for a file every page loads.
//! Memory freed to a class is reused only by that class; the tag's footprint stays at the
//! largest working set it has had (tens to hundreds of KiB).
//!
//! The logic is generic over where pages come from ([`Pages`]): wasm's `memory.grow` in
//! the wasm builds, a `Vec`-backed arena in the native tests (`cargo test`), so the same
//! code is what the tests exercise.

use core::alloc::Layout;
use core::ptr::null_mut;

const PAGE: usize = 65536;
/// Blocks are at least this big (room for the free-list link) and this aligned.
const MIN_CLASS: u32 = 4; // 16 bytes
/// Size classes up to 2^(CLASSES-1) bytes; anything larger is refused (null).
const CLASSES: usize = 32;

/// A source of fresh, zero-based-or-not, contiguous pages of `PAGE` bytes.
pub(crate) trait Pages {
    /// Adds `n` pages; the address of the first, or `None` when memory is exhausted.
    fn grow(&mut self, n: usize) -> Option<usize>;
}

pub(crate) struct Heap<P> {
    /// Head of each class's free list (0 = empty); a free block holds the next link.
    free: [usize; CLASSES],
    next: usize,
    end: usize,
    pages: P,
}

/// The size class of a layout: log2 of the block size that holds it, or `None` when no
/// class is large enough (the allocation then fails instead of indexing out of bounds).
pub(crate) fn class(layout: &Layout) -> Option<u32> {
    let size = layout.size().max(layout.align()).max(1 << MIN_CLASS);
    let c = size.checked_next_power_of_two()?.trailing_zeros();
    ((c as usize) < CLASSES).then_some(c)
}

impl<P: Pages> Heap<P> {
    pub(crate) const fn new(pages: P) -> Self {
        Heap {
            free: [0; CLASSES],
            next: 0,
            end: 0,
            pages,
        }
    }

    fn bump(&mut self, size: usize, align: usize) -> *mut u8 {
        let aligned = |n: usize| n.checked_add(align - 1).map(|n| n & !(align - 1));
        let mut at = aligned(self.next);
        let fits = at
            .and_then(|a| a.checked_add(size))
            .is_some_and(|e| e <= self.end);
        if !fits || self.end == 0 {
            let Some(pages) = size.checked_add(align).map(|n| n.div_ceil(PAGE)) else {
                return null_mut();
            };
            let Some(base) = self.pages.grow(pages) else {
                return null_mut();
            };
            // Another grower (none today) would leave a gap: start over at the new pages.
            if base != self.end {
                self.next = base;
            }
            self.end = base + pages * PAGE;
            at = aligned(self.next);
        }
        match at {
            Some(a) => {
                self.next = a + size;
                a as *mut u8
            }
            None => null_mut(),
        }
    }

    /// # Safety
    /// As `GlobalAlloc::alloc`.
    pub(crate) unsafe fn alloc(&mut self, layout: Layout) -> *mut u8 {
        let Some(c) = class(&layout) else {
            return null_mut();
        };
        let head = self.free[c as usize];
        // Blocks are carved 16-aligned; a rare stricter alignment always gets a fresh one.
        if head != 0 && layout.align() <= 1 << MIN_CLASS {
            self.free[c as usize] = *(head as *const usize);
            return head as *mut u8;
        }
        self.bump(1 << c, layout.align().max(1 << MIN_CLASS))
    }

    /// # Safety
    /// As `GlobalAlloc::dealloc`: `ptr` came from `alloc` with this `layout`.
    pub(crate) unsafe fn dealloc(&mut self, ptr: *mut u8, layout: Layout) {
        // A block exists only for a layout that has a class.
        let Some(c) = class(&layout) else {
            return;
        };
        *(ptr as *mut usize) = self.free[c as usize];
        self.free[c as usize] = ptr as usize;
    }

    /// # Safety
    /// As `GlobalAlloc::realloc`.
    pub(crate) unsafe fn realloc(
        &mut self,
        ptr: *mut u8,
        layout: Layout,
        new_size: usize,
    ) -> *mut u8 {
        let new = Layout::from_size_align_unchecked(new_size, layout.align());
        if class(&new).is_some() && class(&new) == class(&layout) {
            return ptr;
        }
        let p = self.alloc(new);
        if !p.is_null() {
            core::ptr::copy_nonoverlapping(ptr, p, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        p
    }
}

#[cfg(target_arch = "wasm32")]
mod wasm {
    use super::{Heap, Pages, PAGE};
    use core::alloc::{GlobalAlloc, Layout};
    use core::cell::UnsafeCell;

    /// The module's own linear memory.
    pub struct Memory;

    impl Pages for Memory {
        fn grow(&mut self, n: usize) -> Option<usize> {
            let old = core::arch::wasm32::memory_grow(0, n);
            (old != usize::MAX).then(|| old * PAGE)
        }
    }

    pub struct Classes(UnsafeCell<Heap<Memory>>);

    // wasm32 without threads: there is one thread, so no two calls ever overlap.
    unsafe impl Sync for Classes {}

    #[global_allocator]
    static ALLOCATOR: Classes = Classes(UnsafeCell::new(Heap::new(Memory)));

    unsafe impl GlobalAlloc for Classes {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            (*self.0.get()).alloc(layout)
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            (*self.0.get()).dealloc(ptr, layout)
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            (*self.0.get()).realloc(ptr, layout, new_size)
        }
    }
}

#[cfg(test)]
#[path = "heap_tests.rs"]
mod tests;
