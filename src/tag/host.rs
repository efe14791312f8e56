//! What the tag's core asks of the page: `localStorage`, `console.warn` and the converter of
//! an older tag's `{"v":1,…}` text, as a handful of imports that www/tag/core.js provides
//! (module `ls`). Each storage call's exception (a SecurityError, a full quota) is caught
//! there and arrives here as a failure, so the tracker decides what a failure means, as it
//! did with web-sys. Text crosses as UTF-8 in the wasm's memory: ours is lent for the call;
//! the page's arrives in a block the JavaScript allocated with `alloc` (src/tag/abi.rs),
//! which becomes ours.

use crate::prelude::*;

#[link(wasm_import_module = "ls")]
extern "C" {
    /// `getItem`: the value's length, its block at `*out`; -1 null, -2 it threw.
    fn get(key: *const u8, key_len: usize, out: *mut *mut u8) -> isize;
    /// `setItem`: 0, or -1 when it threw (a full quota).
    fn set(key: *const u8, key_len: usize, value: *const u8, value_len: usize) -> i32;
    /// `removeItem`: 0, or -1 when it threw.
    fn remove(key: *const u8, key_len: usize) -> i32;
    /// `length`, or -1 when it threw.
    fn length() -> i32;
    /// `key(i)`: as `get`.
    fn key(i: u32, out: *mut *mut u8) -> isize;
    /// `console.warn(text)`. What the page's `console.warn` throws goes through the core
    /// (the tag then stops: www/tag/api.js).
    fn warn(text: *const u8, len: usize);
    /// The page's converter (www/tag/values.js `migrate`): as `get`, -1 when it returned
    /// no text or threw.
    fn migrate(text: *const u8, len: usize, out: *mut *mut u8) -> isize;
}

/// The page's `localStorage`, as the tracker was handed it (the JavaScript holds it).
#[derive(Clone, Copy)]
pub struct Storage;

/// A failed storage call: what it threw stays in the page.
pub struct Threw;

impl Storage {
    pub fn get_item(&self, k: &str) -> Result<Option<String>, Threw> {
        let mut at = core::ptr::null_mut();
        let n = unsafe { get(k.as_ptr(), k.len(), &mut at) };
        received(n, at).ok_or(Threw)
    }

    pub fn set_item(&self, k: &str, value: &str) -> Result<(), Threw> {
        match unsafe { set(k.as_ptr(), k.len(), value.as_ptr(), value.len()) } {
            0 => Ok(()),
            _ => Err(Threw),
        }
    }

    pub fn remove_item(&self, k: &str) -> Result<(), Threw> {
        match unsafe { remove(k.as_ptr(), k.len()) } {
            0 => Ok(()),
            _ => Err(Threw),
        }
    }

    pub fn length(&self) -> Result<u32, Threw> {
        u32::try_from(unsafe { length() }).map_err(|_| Threw)
    }

    pub fn key(&self, i: u32) -> Result<Option<String>, Threw> {
        let mut at = core::ptr::null_mut();
        let n = unsafe { key(i, &mut at) };
        received(n, at).ok_or(Threw)
    }
}

/// `console.warn(text)`.
pub fn console_warn(text: &str) {
    unsafe { warn(text.as_ptr(), text.len()) }
}

/// `{"v":1,…}` text converted by the page: the base64 binary state, or None.
pub fn convert_v1(text: &str) -> Option<String> {
    let mut at = core::ptr::null_mut();
    let n = unsafe { migrate(text.as_ptr(), text.len(), &mut at) };
    received(n, at).flatten()
}

/// A text the page handed over: `Some(None)` for null (-1), None when the call threw (-2).
fn received(n: isize, at: *mut u8) -> Option<Option<String>> {
    match usize::try_from(n) {
        Ok(len) => Some(Some(unsafe { crate::abi::owned_text(at, len) })),
        Err(_) if n == -1 => Some(None),
        Err(_) => None,
    }
}
