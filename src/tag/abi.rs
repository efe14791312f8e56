//! The tag's wasm interface: plain functions that www/tag/core.js calls, one per
//! [`Tracker`] method, in place of wasm-bindgen's generated glue (issue 14: its shims,
//! externref table and string passing were a sixth of the file).
//!
//! - Text and bytes go in as blocks of the wasm's memory: the JavaScript asks [`alloc`] for
//!   a block, writes UTF-8 (TextEncoder) or the bytes into it and passes (pointer, length);
//!   the function called owns the block from then on and frees it.
//! - Text and bytes come out through the reply ([`reply_at`], [`reply_len`]): the
//!   function returns a status and leaves its text in one buffer, which the JavaScript reads
//!   at once (it lasts until the next call into the core). A problem or an error is the
//!   reply as JSON `{code, path, message, line?, column?}`.
//! - A result's numbers are read in place ([`result_at`]), as before.
//! - A tracker is a pointer the JavaScript holds ([`new`]); it lives as long as the page.
//!
//! # Safety
//! These functions are called only by www/tag/core.js, with a tracker from [`new`],
//! blocks from [`alloc`] holding what their length says (text as UTF-8, from
//! TextEncoder), and never while another of them runs (core.js refuses re-entry).

use crate::prelude::*;

use crate::error::Error;
use crate::host::Storage;
use crate::json::write_str;
use crate::tracker::Tracker;
use core::alloc::Layout;
use core::cell::UnsafeCell;
use core::ptr::NonNull;

/// The last reply's bytes.
struct Reply(UnsafeCell<Vec<u8>>);

// wasm32 without threads: there is one thread, and core.js never overlaps two calls.
unsafe impl Sync for Reply {}

static REPLY: Reply = Reply(UnsafeCell::new(Vec::new()));

/// Leaves `bytes` as the reply; returns its length.
fn reply(bytes: Vec<u8>) -> usize {
    let n = bytes.len();
    unsafe { *REPLY.0.get() = bytes };
    n
}

#[no_mangle]
extern "C" fn reply_at() -> *const u8 {
    unsafe { (*REPLY.0.get()).as_ptr() }
}

#[no_mangle]
extern "C" fn reply_len() -> usize {
    unsafe { (*REPLY.0.get()).len() }
}

/// A block of `len` bytes for the JavaScript to fill: the function it is passed to (or,
/// from an import, the core) owns it. A full memory traps, as any allocation does, and so
/// does a length no block can have (2 GiB or more): never a block smaller than asked.
#[no_mangle]
extern "C" fn alloc(len: usize) -> *mut u8 {
    if len == 0 {
        return NonNull::dangling().as_ptr();
    }
    let Ok(layout) = Layout::array::<u8>(len) else {
        core::arch::wasm32::unreachable()
    };
    let p = unsafe { alloc::alloc::alloc(layout) };
    if p.is_null() {
        alloc::alloc::handle_alloc_error(layout);
    }
    p
}

/// The block of [`alloc`] at `at`, `len` bytes, now owned.
pub(crate) unsafe fn owned(at: *mut u8, len: usize) -> Vec<u8> {
    match len {
        0 => Vec::new(),
        _ => Vec::from_raw_parts(at, len, len),
    }
}

/// The same block holding UTF-8 text (TextEncoder writes nothing else).
pub(crate) unsafe fn owned_text(at: *mut u8, len: usize) -> String {
    String::from_utf8_unchecked(owned(at, len))
}

/// The problem or error as the reply: JSON text the page reads with JSON.parse.
fn problem(e: &Error) -> usize {
    let mut o = String::from("{\"code\":");
    write_str(&mut o, e.code());
    o.push_str(",\"path\":");
    write_str(&mut o, &e.path);
    o.push_str(",\"message\":");
    write_str(&mut o, &e.message());
    if e.line > 0 {
        o.push_str(",\"line\":");
        digits(&mut o, e.line);
        o.push_str(",\"column\":");
        digits(&mut o, e.column);
    }
    o.push('}');
    reply(o.into_bytes())
}

/// `n` in decimal, without the formatting machinery (README, "Size").
fn digits(o: &mut String, n: u32) {
    if n >= 10 {
        digits(o, n / 10);
    }
    o.push((b'0' + (n % 10) as u8) as char);
}

/// 0, or the problem's length (the reply).
fn outcome(r: Result<(), Error>) -> usize {
    r.err().map_or(0, |e| problem(&e))
}

/// Numbers as the reply, little-endian f64s (the page copies them: a rare call).
fn numbers(v: &[f64]) -> usize {
    reply(v.iter().flat_map(|x| x.to_le_bytes()).collect())
}

/// The tracker (see `Tracker::new`), or null with the error as the reply.
#[no_mangle]
unsafe extern "C" fn new(
    rules: *mut u8,
    rules_len: usize,
    key: *mut u8,
    key_len: usize,
    by_default: u32,
    now: f64,
    storage: u32,
    page: *mut u8,
    page_len: usize,
) -> *mut Tracker {
    let rules = owned(rules, rules_len);
    let (key, page) = (owned_text(key, key_len), owned_text(page, page_len));
    let storage = (storage != 0).then_some(Storage);
    match Tracker::new(&rules, &key, by_default != 0, now, storage, &page) {
        Ok(t) => Box::into_raw(Box::new(t)),
        Err(e) => {
            problem(&e);
            core::ptr::null_mut()
        }
    }
}

/// `Tracker::record`, or with `update` set `Tracker::update_page_view`: 0, or the problem's
/// length (the reply).
#[no_mangle]
unsafe extern "C" fn record(
    t: *mut Tracker,
    event: *mut u8,
    event_len: usize,
    id: *mut u8,
    id_len: usize,
    now: f64,
    update: u32,
) -> usize {
    let (event, id) = (owned(event, event_len), owned_text(id, id_len));
    outcome(match update {
        0 => (*t).record(&event, &id, now),
        _ => (*t).update_page_view(&event, &id, now),
    })
}

#[no_mangle]
unsafe extern "C" fn result(t: *mut Tracker, now: f64) -> usize {
    (*t).result(now)
}

#[no_mangle]
unsafe extern "C" fn result_at(t: *mut Tracker) -> *const f64 {
    (*t).result_at()
}

#[no_mangle]
unsafe extern "C" fn meta(t: *mut Tracker) -> usize {
    reply((*t).meta().into_bytes())
}

#[no_mangle]
unsafe extern "C" fn events(t: *mut Tracker) -> usize {
    reply((*t).events())
}

#[no_mangle]
unsafe extern "C" fn digest(t: *mut Tracker, text: *mut u8, len: usize) -> usize {
    let text = owned_text(text, len);
    reply((*t).digest(&text).into_bytes())
}

#[no_mangle]
unsafe extern "C" fn sync(
    t: *mut Tracker,
    now: f64,
    key: *mut u8,
    len: usize,
    removed: u32,
) -> u32 {
    let key = owned_text(key, len);
    (*t).sync(now, &key, removed != 0) as u32
}

#[no_mangle]
unsafe extern "C" fn flush(t: *mut Tracker, now: f64) {
    (*t).flush(now)
}

#[no_mangle]
unsafe extern "C" fn fold(t: *mut Tracker, now: f64) {
    (*t).fold(now)
}

#[no_mangle]
unsafe extern "C" fn consent(t: *mut Tracker, granted: u32, now: f64) {
    (*t).consent(granted != 0, now)
}

#[no_mangle]
unsafe extern "C" fn reset(t: *mut Tracker) {
    (*t).reset()
}

/// The email type's length as the reply, or -1 when there is none.
#[no_mangle]
unsafe extern "C" fn email_type(t: *mut Tracker, email: *mut u8, len: usize) -> isize {
    let email = owned_text(email, len);
    match (*t).email_type(&email) {
        Some(kind) => reply(kind.into_bytes()) as isize,
        None => -1,
    }
}

#[no_mangle]
unsafe extern "C" fn dwell_marks(t: *mut Tracker) -> usize {
    numbers(&(*t).dwell_marks())
}

#[no_mangle]
unsafe extern "C" fn add_competitors(t: *mut Tracker, list: *mut u8, len: usize) {
    let list = owned_text(list, len);
    (*t).add_competitors(&list)
}

#[no_mangle]
unsafe extern "C" fn persisting(t: *mut Tracker) -> u32 {
    (*t).persisting() as u32
}

/// The debug panel's build only (feature `debug`).
#[cfg(feature = "debug")]
#[no_mangle]
unsafe extern "C" fn why_not(t: *mut Tracker, now: f64) -> usize {
    numbers(&(*t).why_not(now))
}
