//! What a name can stand for while a script runs.

pub use crate::ir::Arr;
use crate::syntax::ast::{FnBody, Ident};
use arrjit_runtime::DType;
use std::rc::Rc;

/// A user function: inlined at every call, so it accepts any dtype and rank its body accepts.
#[derive(Debug)]
pub struct FnDef {
    pub name: Ident,
    pub params: Vec<Ident>,
    pub body: FnBody,
}

#[derive(Clone, Debug)]
pub enum Value {
    Arr(Arr),
    Str(String),
    Tuple(Vec<Value>),
    /// A dtype name (`f32`): usable as `dtype=f32` and callable as a cast.
    DType(DType),
    Func(Rc<FnDef>),
    /// A differentiated function (`grad(f)`, `value_and_grad(f)`).
    Grad(Rc<super::grad::GradFn>),
    /// A builtin function, by name (`f = sin`).
    Builtin(&'static str),
    /// What `print` and `save` return.
    Unit,
    /// The value of something that already failed with a reported error. Operations on it
    /// quietly give `Poison` again, so one mistake is reported once.
    Poison,
}

impl Value {
    /// A short description for error messages: "an array", "a string", …
    pub fn describe(&self) -> &'static str {
        match self {
            Value::Arr(_) => "an array",
            Value::Str(_) => "a string",
            Value::Tuple(_) => "a tuple",
            Value::DType(_) => "a dtype",
            Value::Func(_) | Value::Grad(_) | Value::Builtin(_) => "a function",
            Value::Unit => "nothing (the result of print or save)",
            Value::Poison => "an invalid value",
        }
    }
}
