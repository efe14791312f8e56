//! A problem as JSON: the one wire format of an [`Error`], here rather than in `error` so
//! that `error` stays below `json` (the reader reports errors; this writes them).

use super::write_str;
use crate::error::Error;
use crate::prelude::*;
use core::fmt::Write;

impl Error {
    /// `{"code":…,"path":…,"line":…,"column":…,"message":…}`, line and column only when
    /// known: a problem as `leadscore check --json` prints it and `leadscore/server` returns it.
    pub fn to_json(&self) -> String {
        let mut o = String::from("{\"code\":");
        write_str(&mut o, self.code());
        o.push_str(",\"path\":");
        write_str(&mut o, &self.path);
        if self.line > 0 {
            let _ = write!(o, ",\"line\":{},\"column\":{}", self.line, self.column);
        }
        o.push_str(",\"message\":");
        write_str(&mut o, &self.message());
        o.push('}');
        o
    }
}
