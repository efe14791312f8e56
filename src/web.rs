//! The browser binding (wasm32 only); filled in by the site-tag work.
