//! Memory that cannot be had: instead of the default abort ("memory allocation of N bytes
//! failed", exit 134), one line saying what was asked, how far the read got and about how
//! much the whole input needs, and exit code 2 (the command could not do its job).

use crate::journeys::{BYTES, EVENTS, TOTAL, VISITORS};
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

/// The system allocator, with a message when it has nothing left.
pub struct Guard;

static FAILED: AtomicBool = AtomicBool::new(false);

unsafe impl GlobalAlloc for Guard {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is passed on unchanged.
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            out_of_memory(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        let p = unsafe { System.alloc_zeroed(layout) };
        if p.is_null() {
            out_of_memory(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as above.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            out_of_memory(new_size);
        }
        p
    }
}

/// Prints the message without allocating (a stack buffer) and exits with code 2.
fn out_of_memory(size: usize) -> ! {
    if FAILED.swap(true, Relaxed) {
        std::process::abort();
    }
    let mut buf = [0u8; 512];
    let mut w = &mut buf[..];
    let (visitors, events, read, total) = (
        VISITORS.load(Relaxed),
        EVENTS.load(Relaxed),
        BYTES.load(Relaxed),
        TOTAL.load(Relaxed),
    );
    let used = resident();
    let _ = write!(
        w,
        "leadscore: out of memory: {} more could not be had, with {} in use",
        Mb(size as u64),
        Mb(used)
    );
    if events > 0 {
        let _ = write!(
            w,
            " after reading {events} events of {visitors} visitors ({} of the events file)",
            Mb(read)
        );
    }
    if read > 0 && total > read {
        // Memory grows with what has been read: the rest of the file needs its share.
        let need = (used as f64 * total as f64 / read as f64) as u64;
        let _ = write!(w, "; the whole file needs about {}", Mb(need));
    }
    let _ = writeln!(w, ". Free memory, or split the events file by visitor.");
    let len = 512 - w.len();
    let _ = std::io::stderr().write_all(&buf[..len]);
    std::process::exit(2)
}

/// Bytes in megabytes (or gigabytes), for the message.
struct Mb(u64);

impl std::fmt::Display for Mb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mb = self.0 as f64 / 1e6;
        if mb >= 1000.0 {
            write!(f, "{:.1} GB", mb / 1000.0)
        } else {
            write!(f, "{mb:.0} MB")
        }
    }
}

/// The resident memory, from /proc/self/statm (0 where there is none), read into a
/// buffer on the stack.
fn resident() -> u64 {
    use std::io::Read;
    let mut buf = [0u8; 128];
    let Ok(mut f) = std::fs::File::open("/proc/self/statm") else {
        return 0;
    };
    let n = f.read(&mut buf).unwrap_or(0);
    let text = std::str::from_utf8(&buf[..n]).unwrap_or("");
    let pages: u64 = text
        .split(' ')
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}
