//! Graph passes, in the order they run. Each file has a `//!` contract: what it expects and
//! what it guarantees.
//!
//! 1. `fuse`: graph → `kernel::Schedule` (explicit kernels and library calls).

pub mod fuse;
