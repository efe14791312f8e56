//! The wasm build's memory allocator: power-of-two size classes, each with a free list,
//! carved from pages the module grows itself. The tag allocates small, short-lived blocks
//! (event texts, a result) in a single thread, so this is all it needs, and it is about a
//! tenth of the code of the default allocator, which matters for a file every page loads.
//! Memory freed to a class is reused only by that class; the tag's footprint stays at the
//! largest working set it has had (tens to hundreds of KiB).

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::null_mut;

const PAGE: usize = 65536;
/// Blocks are at least this big (room for the free-list link) and this aligned.
const MIN_CLASS: u32 = 4; // 16 bytes

struct Heap {
    /// Head of each class's free list (0 = empty); a free block holds the next link.
    free: [usize; 32],
    next: usize,
    end: usize,
}

pub struct Classes(UnsafeCell<Heap>);

// wasm32 without threads: there is one thread, so no two calls ever overlap.
unsafe impl Sync for Classes {}

#[global_allocator]
static ALLOCATOR: Classes = Classes(UnsafeCell::new(Heap {
    free: [0; 32],
    next: 0,
    end: 0,
}));

fn class(layout: &Layout) -> u32 {
    let size = layout.size().max(layout.align()).max(1 << MIN_CLASS);
    size.next_power_of_two().trailing_zeros()
}

impl Heap {
    unsafe fn bump(&mut self, size: usize, align: usize) -> *mut u8 {
        let mut at = (self.next + align - 1) & !(align - 1);
        if at + size > self.end || self.end == 0 {
            let pages = (size + align).div_ceil(PAGE);
            let old = core::arch::wasm32::memory_grow(0, pages);
            if old == usize::MAX {
                return null_mut();
            }
            let base = old * PAGE;
            // Another grower (none today) would leave a gap: start over at the new pages.
            if base != self.end {
                self.next = base;
            }
            self.end = base + pages * PAGE;
            at = (self.next + align - 1) & !(align - 1);
        }
        self.next = at + size;
        at as *mut u8
    }
}

unsafe impl GlobalAlloc for Classes {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let h = &mut *self.0.get();
        let c = class(&layout);
        let head = h.free[c as usize];
        // Blocks are carved 16-aligned; a rare stricter alignment always gets a fresh one.
        if head != 0 && layout.align() <= 1 << MIN_CLASS {
            h.free[c as usize] = *(head as *const usize);
            return head as *mut u8;
        }
        h.bump(1 << c, layout.align().max(1 << MIN_CLASS))
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let h = &mut *self.0.get();
        let c = class(&layout) as usize;
        *(ptr as *mut usize) = h.free[c];
        h.free[c] = ptr as usize;
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = Layout::from_size_align_unchecked(new_size, layout.align());
        if class(&new) == class(&layout) {
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
