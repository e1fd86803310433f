//! Reference evaluation of a schedule: every kernel expression is evaluated as a whole array
//! over the kernel's index space, with the interpreter's own primitives. It checks that fusion
//! is right (index maps, phases, merges) independently of any code generator: a schedule must
//! give exactly what the interpreter gives on the graph.

use super::{
    Affine, BufKind, Buffer, Expr, ExprId, Kernel, LibraryCall, Over, Phase, Schedule, Step,
};
use crate::ir::interp::{elementwise, eval_node, movement, reduce};
use crate::ir::{Graph, Node, NodeId, Op, Type};
use arrjit_runtime::{self as rt, Array, DType, Data};
use std::collections::HashMap;

/// Runs `schedule` and returns the value of each of its outputs, in order. `params` binds the
/// graph's `Param` nodes.
pub fn eval_schedule(schedule: &Schedule, graph: &Graph, params: &[Array]) -> Vec<Array> {
    let mut bufs: Vec<Option<Array>> = schedule
        .buffers
        .iter()
        .map(|b| match b.kind {
            BufKind::Input(node) => Some(input_array(graph, node, params).clone()),
            BufKind::Computed => None,
        })
        .collect();
    for step in &schedule.steps {
        match step {
            Step::Kernel(k) => eval_kernel(k, &schedule.buffers, &mut bufs),
            Step::Library(call) => {
                let inputs: Vec<&Array> = call
                    .inputs
                    .iter()
                    .map(|b| bufs[b.0 as usize].as_ref().expect("input computed"))
                    .collect();
                let value = run_library(call, schedule, graph, &inputs, params);
                bufs[call.output.0 as usize] = Some(value);
            }
        }
    }
    schedule
        .outputs
        .iter()
        .map(|(_, b)| bufs[b.0 as usize].clone().expect("output computed"))
        .collect()
}

/// The array an input buffer holds: the value of its `Source` or `Param` node.
pub fn input_array<'a>(graph: &'a Graph, node: NodeId, params: &'a [Array]) -> &'a Array {
    match graph.node(node).op {
        Op::Source(i) => graph.source(i),
        Op::Param(i) => &params[i as usize],
        ref other => panic!("input buffer of a {other:?} node"),
    }
}

/// Runs a library step on the values of its inputs, with the runtime's kernels.
pub fn run_library(
    call: &LibraryCall,
    schedule: &Schedule,
    graph: &Graph,
    inputs: &[&Array],
    params: &[Array],
) -> Array {
    let out = &schedule.buffers[call.output.0 as usize];
    if call.op == Op::MatMul {
        let operand = |i: usize| arrjit_runtime::Operand {
            array: inputs[i],
            shape: &call.views[i].shape,
            transposed: call.views[i].transposed,
        };
        return arrjit_runtime::matmul_operands(operand(0), operand(1))
            .expect("matmul operands are checked by the verifier");
    }
    debug_assert!(
        call.views
            .iter()
            .zip(inputs)
            .all(|(v, a)| v.is_plain(a.shape())),
        "only matmul reads its inputs through views"
    );
    let node = Node {
        op: call.op.clone(),
        inputs: Vec::new(),
        ty: Type::new(out.dtype, out.shape.clone()),
    };
    eval_node(graph, &node, inputs, params)
}

/// Which points an expression is evaluated at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Region {
    /// Every point of the space.
    All,
    /// One point per outer index, with the inner coordinates 0.
    Outer,
}

struct KernelEval<'k> {
    k: &'k Kernel,
    phases: Vec<Option<Array>>,
    memo: HashMap<(ExprId, Region), Array>,
}

/// Runs one kernel on the reference evaluator: reads `bufs`, writes its outputs into them.
pub fn eval_kernel(k: &Kernel, buffers: &[Buffer], bufs: &mut [Option<Array>]) {
    let mut ev = KernelEval {
        k,
        phases: vec![None; k.phases.len()],
        memo: HashMap::new(),
    };
    for (i, phase) in k.phases.iter().enumerate() {
        match phase {
            Phase::Reduce { op, value } => {
                let v = ev.eval(*value, Region::All, bufs);
                ev.phases[i] = Some(reduce::reduce(*op, &v, &k.inner));
            }
            Phase::Store { buf, value, over } => {
                let region = match over {
                    Over::All => Region::All,
                    Over::Outer => Region::Outer,
                };
                // A store once per outer index may fill a buffer of another shape with the
                // same elements in the same order (`sum(x, keepdims=true)`).
                let shape = buffers[buf.0 as usize].shape.clone();
                bufs[buf.0 as usize] = Some(ev.eval(*value, region, bufs).reshaped(shape));
            }
        }
    }
}

impl KernelEval<'_> {
    fn shape(&self, region: Region) -> Vec<usize> {
        match region {
            Region::All => self.k.space.clone(),
            Region::Outer => self.k.outer_shape(),
        }
    }

    /// `at` at every point of `region`, in row-major order (inner coordinates 0 for `Outer`).
    fn affine_values(&self, at: &Affine, region: Region) -> Vec<i64> {
        let space = &self.k.space;
        let walk: Vec<usize> = (0..space.len())
            .filter(|a| region == Region::All || !self.k.inner.contains(a))
            .collect();
        let count: usize = walk.iter().map(|&a| space[a]).product();
        let mut out = Vec::with_capacity(count);
        let mut index = vec![0usize; space.len()];
        for _ in 0..count {
            out.push(at.eval(&index));
            for &a in walk.iter().rev() {
                index[a] += 1;
                if index[a] < space[a] {
                    break;
                }
                index[a] = 0;
            }
        }
        out
    }

    fn eval(&mut self, id: ExprId, region: Region, bufs: &[Option<Array>]) -> Array {
        if let Some(v) = self.memo.get(&(id, region)) {
            return v.clone();
        }
        let dtype = self.k.dtypes[id.0 as usize];
        let shape = self.shape(region);
        let value = match &self.k.exprs[id.0 as usize] {
            Expr::Load { buf, at } => {
                let src = bufs[buf.0 as usize].as_ref().expect("buffer written first");
                let offsets: Vec<usize> = self
                    .affine_values(at, region)
                    .into_iter()
                    .map(|o| usize::try_from(o).expect("offsets are in bounds"))
                    .collect();
                Array::new(shape, src.data().gather(&offsets))
            }
            Expr::Param(p) => {
                let (lit, dt) = self.k.params[*p as usize];
                let one = Array::scalar(lit.to_scalar(dt));
                movement::broadcast(&one.reshaped(vec![1; shape.len()]), &shape)
            }
            Expr::Index(at) => Array::from_vec(shape, self.affine_values(at, region)),
            Expr::Rand { seed, normal, at } => {
                let at = self.affine_values(at, region);
                random(shape, dtype, *seed, *normal, &at)
            }
            Expr::Unary(op, x) => elementwise::unary(*op, &self.eval(*x, region, bufs)),
            Expr::Binary(op, x, y) => {
                let (x, y) = (self.eval(*x, region, bufs), self.eval(*y, region, bufs));
                elementwise::binary(*op, &x, &y)
            }
            Expr::Where(c, x, y) => {
                let c = self.eval(*c, region, bufs);
                let (x, y) = (self.eval(*x, region, bufs), self.eval(*y, region, bufs));
                elementwise::select(&c, &x, &y)
            }
            Expr::Cast(x) => self.eval(*x, region, bufs).cast(dtype),
            Expr::Phase(k) => {
                let outer = self.phases[*k as usize].clone().expect("phase ran first");
                match region {
                    Region::Outer => outer,
                    Region::All => {
                        let with_ones: Vec<usize> = (0..self.k.space.len())
                            .map(|a| {
                                if self.k.inner.contains(&a) {
                                    1
                                } else {
                                    self.k.space[a]
                                }
                            })
                            .collect();
                        movement::broadcast(&outer.reshaped(with_ones), &shape)
                    }
                }
            }
        };
        debug_assert_eq!(value.dtype(), dtype);
        self.memo.insert((id, region), value.clone());
        value
    }
}

/// The random numbers of a stream at the given flat positions.
fn random(shape: Vec<usize>, dtype: DType, seed: u64, normal: bool, at: &[i64]) -> Array {
    let data = match (dtype, normal) {
        (DType::F64, false) => Data::F64(
            at.iter()
                .map(|&i| rt::uniform_f64(seed, i as u64))
                .collect(),
        ),
        (DType::F64, true) => {
            Data::F64(at.iter().map(|&i| rt::normal_f64(seed, i as u64)).collect())
        }
        (DType::F32, false) => Data::F32(
            at.iter()
                .map(|&i| rt::uniform_f32(seed, i as u64))
                .collect(),
        ),
        (DType::F32, true) => {
            Data::F32(at.iter().map(|&i| rt::normal_f32(seed, i as u64)).collect())
        }
        (other, _) => panic!("random numbers of dtype {other}"),
    };
    Array::new(shape, data)
}
