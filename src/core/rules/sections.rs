//! The document's lists beside `rules`: `pages` (URL patterns → page categories) and
//! `bands`. Repeats are found by sorting, so a hostile list of 100k entries stays
//! near-linear.

use crate::prelude::*;

use super::{Band, Reader, BAND_FIELDS, OTHER_PAGE, PAGE_FIELDS};
use crate::error::{at_index, ErrorKind};
use crate::json::{Node, Value};
use crate::pages::{Flavor, Glob};
use crate::rules::{join, limits};
use crate::sort::{first_appearance_ids, order, permute, repeats};

/// URL patterns in document order with their page ids, and the page names by id: ids in
/// order of first appearance, `other` always last.
pub(super) fn pages(r: &mut Reader, doc: &Node) -> (Vec<(Glob, u16)>, Vec<String>) {
    let Some(list) = doc.get("pages") else {
        return (Vec::new(), vec![OTHER_PAGE.to_string()]);
    };
    let items = match &list.value {
        Value::Arr(items) => items.as_slice(),
        _ => {
            r.wrong("an array", "pages", list);
            &[]
        }
    };
    // Each entry's name, and its globs by entry.
    let mut names: Vec<&str> = Vec::new();
    let mut globs: Vec<(Glob, usize)> = Vec::new();
    for (i, p) in items.iter().enumerate() {
        let path = at_index("pages", i);
        let Some(p) = r.object(p, &path, PAGE_FIELDS) else {
            continue;
        };
        let Some(name) = r.req_str(p, "category", &path) else {
            continue;
        };
        names.push(name);
        let entry = names.len() - 1;
        let mpath = join(&path, "match");
        let Some(m) = p.get("match") else {
            r.missing("match", &path, p);
            continue;
        };
        for (j, g) in r
            .array(m, &mpath, "match")
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            let gpath = at_index(&mpath, j);
            let Some(s) = r.any_str(g, &gpath) else {
                continue;
            };
            match Glob::compile(s, Flavor::Path) {
                Ok(glob) => globs.push((glob, entry)),
                Err(m) => r.fail(ErrorKind::BadGlob(m), &gpath, Some(g)),
            }
        }
    }
    let (ids, distinct) = first_appearance_ids(&names);
    let mut page_names = vec![String::new(); distinct];
    for (k, &id) in ids.iter().enumerate() {
        if page_names[id as usize].is_empty() {
            page_names[id as usize] = names[k].to_string();
        }
    }
    let mut pages: Vec<(Glob, u16)> = globs
        .into_iter()
        .map(|(g, entry)| (g, ids[entry] as u16))
        .collect();
    match page_names.iter().position(|n| n == OTHER_PAGE) {
        None => page_names.push(OTHER_PAGE.to_string()),
        Some(at) => {
            // Keep "other" last so an unmatched URL and a declared "other" share an id.
            let last = page_names.len() - 1;
            page_names.swap(at, last);
            for (_, id) in pages.iter_mut() {
                *id = if *id as usize == at {
                    last as u16
                } else if *id as usize == last {
                    at as u16
                } else {
                    *id
                };
            }
        }
    }
    (pages, page_names)
}

/// The bands, greatest `min` first and the catch-all (no `min`) last.
/// The `bands` list of `parent`: the document's (`prefix` ""), or the `accounts` section's.
pub(super) fn bands(r: &mut Reader, parent: &Node, prefix: &str) -> Vec<Band> {
    let Some(list) = parent.get("bands") else {
        r.missing("bands", prefix, parent);
        return Vec::new();
    };
    let list_path = join(prefix, "bands");
    let items = r.array(list, &list_path, "bands").unwrap_or(&[]);
    let mut out: Vec<Band> = Vec::new();
    // Which item each band came from.
    let mut item_of: Vec<usize> = Vec::new();
    for (i, b) in items.iter().enumerate() {
        let path = at_index(&list_path, i);
        let Some(b) = r.object(b, &path, BAND_FIELDS) else {
            continue;
        };
        let Some(name) = r.req_str(b, "name", &path) else {
            continue;
        };
        let Ok(min) = r.num(b, "min", &path, &limits::POINTS) else {
            continue;
        };
        let action = match b.get("action") {
            None
            | Some(Node {
                value: Value::Null, ..
            }) => None,
            Some(a) => r.str_of(a, &join(&path, "action")).map(str::to_string),
        };
        out.push(Band {
            name: name.to_string(),
            min,
            action,
        });
        item_of.push(i);
    }
    let path = |k: usize| at_index(&list_path, item_of[k]);
    for k in repeats(out.len(), &|k| &out[k].name) {
        let kind = ErrorKind::DuplicateBandName(out[k].name.clone());
        r.fail(kind, &join(&path(k), "name"), items[item_of[k]].get("name"));
    }
    for k in (0..out.len()).filter(|&k| out[k].min.is_none()).skip(1) {
        r.fail(
            ErrorKind::SecondCatchAllBand,
            &path(k),
            Some(&items[item_of[k]]),
        );
    }
    // Mins in order (the catch-alls, None, first); a min equal to the one before repeats.
    let by_min = order(out.len(), &|a, b| {
        (out[a as usize].min, a) < (out[b as usize].min, b)
    });
    let mut repeated = vec![false; out.len()];
    for w in by_min.windows(2) {
        let (a, b) = (&out[w[0] as usize], &out[w[1] as usize]);
        repeated[w[1] as usize] = b.min.is_some() && a.min == b.min;
    }
    for k in (0..out.len()).filter(|&k| repeated[k]) {
        let kind = ErrorKind::DuplicateBandMin;
        r.fail(kind, &join(&path(k), "min"), items[item_of[k]].get("min"));
    }
    // Greatest min first, the catch-all last; distinct mins when valid, so no ties.
    let key = |k: u32| out[k as usize].min.unwrap_or(f64::NEG_INFINITY);
    let by_key = order(out.len(), &|a, b| key(a) > key(b));
    permute(&mut out, &by_key);
    out
}
