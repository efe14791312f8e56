//! The site tag's engine side (filled in with the tag).
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub struct Tracker;
