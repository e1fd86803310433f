//! The graph IR: primitives (`op`), the hash-consed arena (`graph`), the builder every node
//! is made with (`build`), the reference interpreter (`interp`), a printer and a verifier.

pub mod build;
pub mod graph;
pub mod interp;
pub mod op;
pub mod print;
pub mod verify;

pub use build::{Arr, Builder};
pub use graph::{Graph, Node, NodeId, Type};
pub use op::{BinaryOp, Lit, Op, ReduceOp, UnaryOp};
