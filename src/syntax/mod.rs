//! Source text → tokens → AST. Parsing never panics and never fails: it returns a tree and a
//! list of diagnostics.

pub mod ast;
