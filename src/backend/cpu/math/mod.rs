//! Vectorised math functions in Cranelift IR (not yet available: every function runs lane by
//! lane through the scalar helpers).

use crate::ir::{BinaryOp, UnaryOp};
use cranelift_codegen::ir::{FuncRef, Value};
use cranelift_frontend::FunctionBuilder;
use cranelift_module::Module;
use std::collections::HashMap;

pub fn has_unary(_op: UnaryOp) -> bool {
    false
}

pub fn has_binary(_op: BinaryOp) -> bool {
    false
}

pub fn unary<M: Module>(
    _b: &mut FunctionBuilder,
    _module: &mut M,
    _funcs: &mut HashMap<String, FuncRef>,
    op: UnaryOp,
    _x: Value,
) -> Value {
    unreachable!("no vector {}", op.name())
}

pub fn binary<M: Module>(
    _b: &mut FunctionBuilder,
    _module: &mut M,
    _funcs: &mut HashMap<String, FuncRef>,
    op: BinaryOp,
    _x: Value,
    _y: Value,
) -> Value {
    unreachable!("no vector {op:?}")
}
