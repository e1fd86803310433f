//! arrjit: an array-expression language and JIT compiler.
//!
//! The pipeline, in the order the folders run: `syntax` (source → AST), `lower` (AST → graph IR
//! with shapes and dtypes), `ir` (the graph, its printer, verifier and reference interpreter).
//! `report` draws what `arr bench` measures.
//!
//! Running a script from Rust and reading a result back:
//!
//! ```
//! use arrjit::lower::{self, Mode};
//!
//! let source = "x = arange(4)\ny = sum(x * x)\nprint(y)\n";
//! let (program, diags) = arrjit::syntax::parse(source);
//! assert!(diags.is_empty());
//! let mut printed = Vec::new();
//! let mut state = lower::run(&program, source, Mode::Run, &mut printed)
//!     .map_err(|d| arrjit::diag::render("example.arr", source, &d))
//!     .unwrap();
//! let y = state.global_array("y").unwrap();
//! assert_eq!(y.as_slice::<i64>(), Some(&[14i64][..]));
//! drop(state);
//! assert_eq!(printed, b"14\n");
//! ```

pub mod api;
pub mod backend;
pub mod diag;
pub mod ir;
pub mod kernel;
pub mod limits;
pub mod lower;
pub mod passes;
pub mod program;
pub mod repl;
pub mod report;
pub mod syntax;
pub mod text;

pub use api::{Arg, Device, Error, Function, Options, compile, compile_with};
pub use arrjit_runtime::{Array, DType, recycle};
pub use limits::Limits;
pub use lower::Engine;
