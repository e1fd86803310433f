//! The graph IR: primitives (`op`), the hash-consed arena (`graph`), the reference
//! interpreter (`interp`), a printer and a verifier.

pub mod graph;
pub mod interp;
pub mod op;
pub mod print;
pub mod verify;

pub use graph::{Graph, Node, NodeId, Type};
pub use op::{BinaryOp, Lit, Op, ReduceOp, UnaryOp};
