//! Graph passes, in the order they run. Each file has a `//!` contract: what it expects and
//! what it guarantees.
//!
//! 1. `grad` (on request): graph → graph, the reverse-mode derivative of a scalar node with
//!    respect to leaves, built through the same `ir::Builder` as lowering (which simplifies
//!    every node as it is made).
//! 2. `fuse`: graph → `kernel::Schedule` (explicit kernels and library calls).

pub mod fuse;
pub mod grad;
