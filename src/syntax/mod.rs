//! Source text → tokens → AST. Parsing never panics and never fails: it returns a tree and a
//! list of diagnostics.
//!
//! `grammar/arr.ebnf` is the normative grammar; `parser` follows it production by production.

pub mod ast;
pub mod lexer;
pub mod parser;
pub mod print;
pub mod token;

pub use parser::parse;
