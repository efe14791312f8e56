//! The workspace's shape (issue #16): the engine (src/core) is one crate whose top-level
//! modules depend on each other without cycles, that knows none of its bindings (no
//! `playground`/`python` features, no wasm-bindgen, PyO3 or I/O), so that each binding
//! stays a thin crate of its own. Read from the sources, as a reviewer would.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const CORE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/core");

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every engine source file with its top-level module (`rules` for rules/reader.rs) and
/// its code: comments dropped, and the test module that ends a file.
fn sources() -> Vec<(String, PathBuf, String)> {
    let mut files = Vec::new();
    rust_files(Path::new(CORE), &mut files);
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let rel = path.strip_prefix(CORE).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_str()
            .unwrap();
        let module = first.trim_end_matches(".rs").to_string();
        let text = fs::read_to_string(&path).unwrap();
        let text = text.split("\n#[cfg(test)]").next().unwrap();
        let code: Vec<&str> = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect();
        out.push((module, path, code.join("\n")));
    }
    out
}

fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The top-level modules `code` names through `crate::…`, `crate::{a, b::c}` included.
fn uses(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for part in group.split(',') {
                found.insert(ident(part.trim()).to_string());
            }
        } else {
            found.insert(ident(rest).to_string());
        }
    }
    found
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let files = sources();
    let modules: BTreeSet<String> = files.iter().map(|f| f.0.clone()).collect();
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, _, code) in &files {
        if module == "lib" {
            continue;
        }
        let deps = g.entry(module.clone()).or_default();
        for m in uses(code) {
            if m != *module && modules.contains(&m) && m != "lib" {
                deps.insert(m);
            }
        }
    }
    g
}

/// The first cycle found, as a path of module names.
fn cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        g: &BTreeMap<String, BTreeSet<String>>,
        m: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == m) {
            let mut c = path[i..].to_vec();
            c.push(m.to_string());
            return Some(c);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for d in g.get(m).into_iter().flatten() {
            if let Some(c) = visit(g, d, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    g.keys()
        .find_map(|m| visit(g, m, &mut Vec::new(), &mut done))
}

#[test]
fn the_engines_modules_depend_on_each_other_without_cycles() {
    let g = graph();
    assert!(
        g.len() > 15,
        "the engine's modules were found: {:?}",
        g.keys()
    );
    assert!(
        g["rules"].contains("conditions"),
        "the graph sees `use crate::…`"
    );
    if let Some(c) = cycle(&g) {
        panic!("the engine has an import cycle: {}", c.join(" → "));
    }
}

#[test]
fn the_engine_knows_none_of_its_bindings() {
    let banned = [
        "feature = \"playground\"",
        "feature = \"python\"",
        "wasm_bindgen",
        "js_sys",
        "web_sys",
        "pyo3",
        "arrow_",
        "std::fs",
        "std::net",
        "std::time",
        "std::env",
        "SystemTime",
        "Instant::now",
    ];
    for (_, path, code) in sources() {
        for b in banned {
            assert!(!code.contains(b), "{} mentions {b}", path.display());
        }
    }
}
