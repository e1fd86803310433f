//! Backends: code generators for the kernels fusion makes. `cpu` compiles them with Cranelift.

pub mod cpu;
pub mod cuda;
