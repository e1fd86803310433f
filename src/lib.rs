//! arrjit: an array-expression language and JIT compiler.
//!
//! The pipeline, in the order the folders run: `syntax` (source → AST), `lower` (AST → graph IR
//! with shapes and dtypes), `ir` (the graph, its printer, verifier and reference interpreter).

pub mod diag;
pub mod ir;
pub mod lower;
pub mod syntax;
