//! Visitor state (placeholder while the engine settles).
pub struct Visitor;
