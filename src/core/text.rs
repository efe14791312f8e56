//! Small text helpers every module uses: slicing without a panic path, substring search
//! without the two-way searcher, and line/column of a byte offset for error messages.
//! They live here, below both `json` and `error`, so neither depends on the other for them.

/// `&s[from..to]` without the panic path: `str` indexing brings its boundary-error
/// formatting into the wasm, and every caller here slices at ASCII delimiters anyway.
pub(crate) fn slice(s: &str, from: usize, to: usize) -> &str {
    s.get(from..to).unwrap_or("")
}

/// Whether `needle` occurs in `hay`: a plain byte scan. `str::contains` would bring the
/// two-way searcher into the tag's wasm, for strings a few dozen bytes long.
pub fn has(hay: &str, needle: &str) -> bool {
    needle.is_empty()
        || hay
            .as_bytes()
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: u32) -> (u32, u32) {
    let offset = (offset as usize).min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let col = slice(text, line_start, text.len())
        .char_indices()
        .take_while(|(i, _)| line_start + i < offset)
        .count() as u32
        + 1;
    (line, col)
}
