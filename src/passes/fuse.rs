//! Fusion: graph → `Schedule`.
//!
//! Expects a verified graph and the nodes whose values are wanted (the roots).
//! Guarantees a schedule whose steps, run in order, compute every root into its buffer, with
//! the same values as the reference interpreter on the graph.
//!
//! How: every root gets a kernel whose body is the root's expression with its producers
//! inlined: elementwise ops, casts, constants (as kernel parameters), `iota`, random numbers,
//! and views, which fold into the affine index maps of the loads. A reduction whose result is
//! broadcast back over the axes it reduced (`x - max(x, axis=1, keepdims=true)`) becomes a
//! reduce phase of the same kernel, and a value computed from a reduction of its own shape
//! (`mean = sum / n`, `logsumexp`) runs in the reduction's loops, stored once per outer index.
//! Inlined values are recomputed wherever they are used: compute is cheaper than memory
//! traffic (the CPU backend reads a costly one back from a store's own buffer where an
//! earlier loop of the kernel computed it: `backend/cpu/reuse.rs`). What cannot be inlined
//! becomes a buffer of its own, computed earlier: library ops (matmul, FFT, sort, scans,
//! arg-reductions, concat) and their inputs, reductions that do not line up with the
//! consumer's loops, and views that an affine map cannot express (a transpose of a reshape).
//! A matmul reads its operands in place where it can (`LibraryCall::views`): a transpose of
//! the last two axes becomes strides and a reshape reads the buffer under it, so
//! `transpose(X) @ v` does not copy `X`. Finally a kernel joins an earlier kernel over the
//! same index space when it reads nothing that kernel or a later step writes, so outputs with
//! the same iteration space share one loop nest and read their inputs once.
//!
//! In unfused mode every primitive is its own step with a materialised result: NumPy's
//! execution model.
//!
//! Size bounds: a chain of more than `MAX_INLINE_DEPTH` inlined ops is cut into kernels of at
//! most that depth (`cut_points`, computed bottom-up before anything is built, so that building
//! recurses at most that deep whatever the graph), and a kernel stops inlining, and stops
//! merging, at `MAX_KERNEL_EXPRS` expressions. Code generation then stays linear in the size of
//! the program: one Cranelift function of 40,000 expressions takes tens of seconds and
//! gigabytes to compile, forty of 1,000 take a second.

use crate::ir::{Graph, Lit, NodeId, Op, Type};
use crate::kernel::{
    Affine, BufId, BufKind, Buffer, Expr, ExprId, Kernel, LibraryCall, Over, Phase, Schedule, Step,
    VerifiedSchedule, View,
};
use crate::limits::{Deadline, Stop};
use arrjit_runtime::{DType, strides_of};
use std::collections::{HashMap, HashSet};

/// The longest chain of ops one kernel inlines (see the module documentation).
pub const MAX_INLINE_DEPTH: u32 = 64;
/// The most expressions one kernel holds before it loads the values it would inline.
pub const MAX_KERNEL_EXPRS: usize = 1024;

/// How to fuse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fusion {
    /// As few kernels as possible.
    Fused,
    /// One step per primitive, every intermediate materialised.
    Unfused,
}

/// Builds the schedule that computes `roots`, verified.
pub fn fuse(graph: &Graph, roots: &[NodeId], mode: Fusion) -> VerifiedSchedule {
    fuse_until(graph, roots, mode, Deadline::NONE).expect("no deadline to miss")
}

/// Like `fuse`, stopping once `deadline` has passed: it is checked before each cut point and
/// each root is built, work that the bounds above keep small.
pub fn fuse_until(
    graph: &Graph,
    roots: &[NodeId],
    mode: Fusion,
    deadline: Deadline,
) -> Result<VerifiedSchedule, Stop> {
    let mut f = Fuser {
        graph,
        mode,
        buffers: Vec::new(),
        steps: Vec::new(),
        buf_of: HashMap::new(),
        producer: HashMap::new(),
        cuts: HashSet::new(),
    };
    let cuts = cut_points(graph, roots);
    f.cuts = cuts.iter().copied().collect();
    // Bottom-up, so that each is built from buffers no deeper than the bound.
    for &c in &cuts {
        deadline.check()?;
        f.materialize(c);
    }
    let mut outputs = Vec::with_capacity(roots.len());
    for &r in roots {
        deadline.check()?;
        outputs.push((r, f.materialize(r)));
    }
    let schedule = Schedule {
        buffers: f.buffers,
        steps: f.steps,
        outputs,
    };
    // Verified once, here: the backends trust what fusion makes.
    match VerifiedSchedule::new(schedule) {
        Ok(verified) => Ok(verified),
        Err(e) => panic!("fusion built a schedule that breaks its invariants: {e}"),
    }
}

/// How a node's positions relate to the kernel's space index: its coordinates, or (after a
/// reshape) its row-major flat index, each an affine function of the space index.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Map {
    Coords(Vec<Affine>),
    Flat(Affine),
}

struct Fuser<'g> {
    graph: &'g Graph,
    mode: Fusion,
    buffers: Vec<Buffer>,
    steps: Vec<Step>,
    /// Nodes that have a buffer.
    buf_of: HashMap<NodeId, BufId>,
    /// The step that writes each computed buffer.
    producer: HashMap<BufId, usize>,
    /// Nodes that get a buffer of their own to bound kernel depth (`cut_points`).
    cuts: HashSet<NodeId>,
}

/// The nodes, in topological order, where a chain of computed nodes reaching `roots` gets cut so
/// that no chain between cuts is `MAX_INLINE_DEPTH` long: each of them gets a buffer of its own.
/// Walks the graph iteratively (ids are a topological order), so any depth is fine; a graph
/// without deep chains has no cuts and fuses as if this did not exist.
fn cut_points(graph: &Graph, roots: &[NodeId]) -> Vec<NodeId> {
    let reachable = graph.reachable(roots);
    let mut depth = vec![0u32; graph.len()];
    let mut cuts = Vec::new();
    for &id in &reachable {
        let n = graph.node(id);
        let d = match n.op {
            Op::Const(_) | Op::Source(_) | Op::Param(_) => 0,
            _ => {
                let below = n.inputs.iter().map(|i| depth[i.index()]).max().unwrap_or(0);
                if below + 1 >= MAX_INLINE_DEPTH {
                    cuts.push(id);
                    0
                } else {
                    below + 1
                }
            }
        };
        depth[id.index()] = d;
    }
    cuts
}

/// A kernel under construction.
struct Builder {
    space: Vec<usize>,
    /// `None` until a reduction fixes which axes the phases loop over.
    inner: Option<Vec<usize>>,
    exprs: Vec<Expr>,
    dtypes: Vec<DType>,
    dedup: HashMap<(Expr, DType), ExprId>,
    memo: HashMap<(NodeId, Map), ExprId>,
    phases: Vec<Phase>,
    params: Vec<(Lit, DType)>,
}

impl Builder {
    fn new(space: Vec<usize>, inner: Option<Vec<usize>>) -> Builder {
        Builder {
            space,
            inner,
            exprs: Vec::new(),
            dtypes: Vec::new(),
            dedup: HashMap::new(),
            memo: HashMap::new(),
            phases: Vec::new(),
            params: Vec::new(),
        }
    }

    fn rank(&self) -> usize {
        self.space.len()
    }

    fn push(&mut self, e: Expr, dtype: DType) -> ExprId {
        if let Some(&id) = self.dedup.get(&(e.clone(), dtype)) {
            return id;
        }
        let id = ExprId(self.exprs.len() as u32);
        self.exprs.push(e.clone());
        self.dtypes.push(dtype);
        self.dedup.insert((e, dtype), id);
        id
    }

    fn param(&mut self, lit: Lit, dtype: DType) -> ExprId {
        let index = match self.params.iter().position(|p| *p == (lit, dtype)) {
            Some(i) => i,
            None => {
                self.params.push((lit, dtype));
                self.params.len() - 1
            }
        };
        self.push(Expr::Param(index as u32), dtype)
    }

    /// The identity map: node coordinates are the space index.
    fn identity(&self) -> Map {
        Map::Coords(
            (0..self.rank())
                .map(|a| Affine::axis(a, self.rank()))
                .collect(),
        )
    }

    fn finish(mut self) -> Kernel {
        // Merging two reductions makes the values computed from them equal, and those may
        // feed reductions that are then equal too (the variance's sum of squares, in two
        // kernels that each took the mean).
        while self.dedup_reductions() {
            self.renumber();
        }
        Kernel {
            space: self.space,
            inner: self.inner.unwrap_or_default(),
            exprs: self.exprs,
            dtypes: self.dtypes,
            phases: self.phases,
            params: self.params,
        }
    }

    /// Drops a reduce phase that repeats an earlier one (the same reduction of the same
    /// value, as when kernels that reduce the same array join): its readers read the earlier
    /// one, so the data is reduced once. Returns whether it dropped any.
    fn dedup_reductions(&mut self) -> bool {
        let mut remap: Vec<u32> = Vec::with_capacity(self.phases.len());
        let mut kept: Vec<Phase> = Vec::new();
        for p in &self.phases {
            let same = match p {
                Phase::Reduce { .. } => kept.iter().position(|q| q == p),
                Phase::Store { .. } => None,
            };
            match same {
                Some(i) => remap.push(i as u32),
                None => {
                    remap.push(kept.len() as u32);
                    kept.push(p.clone());
                }
            }
        }
        if kept.len() == self.phases.len() {
            return false;
        }
        for e in &mut self.exprs {
            if let Expr::Phase(p) = e {
                *p = remap[*p as usize];
            }
        }
        self.phases = kept;
        true
    }

    /// Numbers the expressions again, keeping the first of equal ones: after
    /// `dedup_reductions`, `Phase` expressions that read merged phases are equal, and so is
    /// everything computed from them.
    fn renumber(&mut self) {
        let exprs = std::mem::take(&mut self.exprs);
        let dtypes = std::mem::take(&mut self.dtypes);
        self.dedup.clear();
        self.memo.clear();
        let mut map: Vec<ExprId> = Vec::with_capacity(exprs.len());
        for (e, dtype) in exprs.into_iter().zip(dtypes) {
            let new = e.with_operands(|x| map[x.0 as usize]);
            map.push(self.push(new, dtype));
        }
        for p in &mut self.phases {
            let (Phase::Reduce { value, .. } | Phase::Store { value, .. }) = p;
            *value = map[value.0 as usize];
        }
    }
}

/// The node's coordinates under `map`, if they are affine (a flat index is, for rank ≤ 1).
fn coords(map: &Map, shape: &[usize]) -> Option<Vec<Affine>> {
    match map {
        Map::Coords(c) => Some(c.clone()),
        Map::Flat(flat) if shape.len() == 1 => Some(vec![flat.clone()]),
        Map::Flat(_) if shape.is_empty() => Some(Vec::new()),
        Map::Flat(_) => None,
    }
}

/// The node's row-major flat index under `map`.
fn flat(map: &Map, shape: &[usize], rank: usize) -> Affine {
    match map {
        Map::Flat(f) => f.clone(),
        Map::Coords(c) => {
            let strides: Vec<i64> = strides_of(shape).iter().map(|&s| s as i64).collect();
            Affine::combine(c, &strides, 0, rank)
        }
    }
}

/// The extents other than 1.
fn squeezed(shape: &[usize]) -> Vec<usize> {
    shape.iter().copied().filter(|&d| d != 1).collect()
}

fn is_library(op: &Op) -> bool {
    match op {
        Op::MatMul
        | Op::Fft { .. }
        | Op::Rfft
        | Op::Irfft { .. }
        | Op::Sort { .. }
        | Op::ArgSort { .. }
        | Op::Cumsum { .. }
        | Op::Cumprod { .. }
        | Op::TakeAlong { .. }
        | Op::ArgMin { .. }
        | Op::ArgMax { .. }
        | Op::Concat { .. } => true,
        Op::Const(_)
        | Op::Source(_)
        | Op::Param(_)
        | Op::Iota { .. }
        | Op::Rand { .. }
        | Op::Unary(_)
        | Op::Binary(_)
        | Op::Where
        | Op::Cast
        | Op::Reduce { .. }
        | Op::Reshape
        | Op::Broadcast
        | Op::Permute(_)
        | Op::Slice { .. } => false,
    }
}

impl Fuser<'_> {
    /// A matmul operand as the runtime can read it in place: a transpose of the last two axes
    /// becomes strides, and a reshape reads the row-major buffer under it; anything else is
    /// the node itself. Returns the node to materialise and how to read it.
    fn matmul_operand(&self, node: NodeId) -> (NodeId, View) {
        let mut base = node;
        let mut transposed = false;
        if let Op::Permute(perm) = &self.graph.node(base).op {
            let r = perm.len();
            let swaps_last = r >= 2
                && perm[r - 2] == r - 1
                && perm[r - 1] == r - 2
                && perm[..r - 2].iter().enumerate().all(|(i, &p)| i == p);
            if swaps_last {
                transposed = true;
                base = self.graph.node(base).inputs[0];
            }
        }
        let shape = self.graph.ty(base).shape.clone();
        if let Op::Reshape = self.graph.node(base).op {
            base = self.graph.node(base).inputs[0];
        }
        (base, View { shape, transposed })
    }

    fn new_buffer(&mut self, node: NodeId, kind: BufKind) -> BufId {
        let ty = self.graph.ty(node);
        let id = BufId(self.buffers.len() as u32);
        self.buffers.push(Buffer {
            dtype: ty.dtype,
            shape: ty.shape.clone(),
            kind,
            node,
        });
        self.buf_of.insert(node, id);
        id
    }

    /// The buffer holding `node`'s value, scheduling whatever computes it.
    fn materialize(&mut self, node: NodeId) -> BufId {
        if let Some(&b) = self.buf_of.get(&node) {
            return b;
        }
        let n = self.graph.node(node);
        match &n.op {
            Op::Source(_) | Op::Param(_) => self.new_buffer(node, BufKind::Input(node)),
            op if is_library(op) => {
                let (mut inputs, mut views) = (Vec::new(), Vec::new());
                for &i in &n.inputs {
                    let (base, view) = match op {
                        Op::MatMul if self.mode == Fusion::Fused => self.matmul_operand(i),
                        _ => (i, View::plain(&self.graph.ty(i).shape)),
                    };
                    inputs.push(self.materialize(base));
                    views.push(view);
                }
                let output = self.new_buffer(node, BufKind::Computed);
                self.push_step(
                    Step::Library(LibraryCall {
                        op: op.clone(),
                        inputs,
                        views,
                        output,
                    }),
                    &[output],
                );
                output
            }
            _ => {
                // A value computed from a reduction of the same shape (`mean = sum / n`,
                // `logsumexp`) runs in the reduction's loops, stored once per outer index.
                let (mut b, map, over) = match self.anchor(node) {
                    Some(r) => {
                        let (b, map) = self.reduction_loops(r, &n.ty.shape);
                        (b, map, Over::Outer)
                    }
                    None => {
                        let b = Builder::new(n.ty.shape.clone(), None);
                        let map = b.identity();
                        (b, map, Over::All)
                    }
                };
                let value = match &n.op {
                    // A reduction always lines up with its own loops.
                    Op::Reduce { .. } => {
                        let in_map = self
                            .reduce_phase_map(&mut b, node, &map)
                            .expect("a reduction's own loops fit it");
                        self.reduce_phase(&mut b, node, in_map)
                    }
                    _ => self.build_op(&mut b, node, map),
                };
                let buf = self.new_buffer(node, BufKind::Computed);
                b.phases.push(Phase::Store { buf, value, over });
                self.add_kernel(b.finish(), buf);
                buf
            }
        }
    }

    /// A kernel that loops like reduction `r`, and the positions in it of a value of shape
    /// `shape` (the reduction's output shape, give or take axes of length 1). The space is the
    /// reduction's input space without its kept axes of length 1 (they loop once either way);
    /// the inner axes are the reduced ones, and the value's axes of length > 1 are the
    /// remaining kept axes, in order.
    fn reduction_loops(&self, r: NodeId, shape: &[usize]) -> (Builder, Map) {
        let n = self.graph.node(r);
        let Op::Reduce { axes, .. } = &n.op else {
            unreachable!("reduction loops come from reductions")
        };
        let in_shape = &self.graph.ty(n.inputs[0]).shape;
        let here: Vec<usize> = (0..in_shape.len())
            .filter(|k| axes.contains(k) || in_shape[*k] != 1)
            .collect();
        let space: Vec<usize> = here.iter().map(|&k| in_shape[k]).collect();
        let rank = space.len();
        let inner: Vec<usize> = (0..rank).filter(|&p| axes.contains(&here[p])).collect();
        let mut kept = (0..rank)
            .filter(|p| !inner.contains(p))
            .map(|p| Affine::axis(p, rank));
        let coords = shape
            .iter()
            .map(|&d| match d {
                1 => Affine::constant(0, rank),
                _ => kept.next().expect("same extents other than 1"),
            })
            .collect();
        (Builder::new(space, Some(inner)), Map::Coords(coords))
    }

    /// The reduction whose loops `node` should run in: `node` itself if it is one, or (when
    /// fusing) one of the same shape that `node` computes from through elementwise ops.
    fn anchor(&self, node: NodeId) -> Option<NodeId> {
        let shape = squeezed(&self.graph.ty(node).shape);
        let mut stack = vec![node];
        let mut visited = 0;
        while let Some(id) = stack.pop() {
            let n = self.graph.node(id);
            if squeezed(&n.ty.shape) != shape {
                continue;
            }
            match n.op {
                Op::Reduce { .. } if id == node || self.mode == Fusion::Fused => return Some(id),
                Op::Unary(_) | Op::Binary(_) | Op::Where | Op::Cast | Op::Reshape
                    if self.mode == Fusion::Fused =>
                {
                    stack.extend(n.inputs.iter().copied());
                }
                _ => {}
            }
            // Bounded: a deep elementwise chain is searched near its end only.
            visited += 1;
            if visited > 64 {
                return None;
            }
        }
        None
    }

    fn push_step(&mut self, step: Step, writes: &[BufId]) {
        for &w in writes {
            self.producer.insert(w, self.steps.len());
        }
        self.steps.push(step);
    }

    /// A load of `node`'s buffer at the positions `map` gives.
    fn load(&mut self, b: &mut Builder, node: NodeId, map: &Map) -> ExprId {
        let buf = self.materialize(node);
        let ty = self.graph.ty(node);
        let at = flat(map, &ty.shape, b.rank());
        b.push(Expr::Load { buf, at }, ty.dtype)
    }

    /// The value of `node` at the positions `map` gives, as an expression of kernel `b`.
    fn build(&mut self, b: &mut Builder, node: NodeId, map: Map) -> ExprId {
        // One key per position: for rank ≤ 1 the flat index is the coordinate.
        let shape = &self.graph.ty(node).shape;
        let map = match coords(&map, shape) {
            Some(c) if matches!(map, Map::Flat(_)) => Map::Coords(c),
            _ => map,
        };
        if let Some(&e) = b.memo.get(&(node, map.clone())) {
            return e;
        }
        let n = self.graph.node(node);
        let inline = match self.mode {
            // Unfused: only constants are inlined; every other input is a buffer.
            Fusion::Unfused => matches!(n.op, Op::Const(_)),
            // Library results and inputs are loaded; everything else is recomputed where it
            // is used, roots included, so that kernels over one space can merge. (Where an
            // index map cannot express a view, `cut` gives it a buffer instead.)
            // A cut point, or any value once the kernel is full, is loaded as well.
            Fusion::Fused => {
                !is_library(&n.op)
                    && !matches!(n.op, Op::Source(_) | Op::Param(_))
                    && !self.cuts.contains(&node)
                    && (matches!(n.op, Op::Const(_)) || b.exprs.len() < MAX_KERNEL_EXPRS)
            }
        };
        let e = if inline {
            self.build_op(b, node, map.clone())
        } else {
            self.load(b, node, &map)
        };
        b.memo.insert((node, map), e);
        e
    }

    fn build_op(&mut self, b: &mut Builder, node: NodeId, map: Map) -> ExprId {
        let n = self.graph.node(node);
        let ty: &Type = &n.ty;
        let rank = b.rank();
        let input = |k: usize| n.inputs[k];
        match &n.op {
            Op::Const(lit) => b.param(*lit, ty.dtype),
            Op::Source(_) | Op::Param(_) => self.load(b, node, &map),
            Op::Iota { axis } => match coords(&map, &ty.shape) {
                Some(c) => b.push(Expr::Index(c[*axis].clone()), DType::I64),
                None => self.cut(b, node, &map),
            },
            Op::Rand { seed, normal } => {
                let at = flat(&map, &ty.shape, rank);
                b.push(
                    Expr::Rand {
                        seed: *seed,
                        normal: *normal,
                        at,
                    },
                    ty.dtype,
                )
            }
            Op::Unary(op) => {
                let x = self.build(b, input(0), map);
                b.push(Expr::Unary(*op, x), ty.dtype)
            }
            Op::Binary(op) => {
                let x = self.build(b, input(0), map.clone());
                let y = self.build(b, input(1), map);
                b.push(Expr::Binary(*op, x, y), ty.dtype)
            }
            Op::Where => {
                let c = self.build(b, input(0), map.clone());
                let x = self.build(b, input(1), map.clone());
                let y = self.build(b, input(2), map);
                b.push(Expr::Where(c, x, y), ty.dtype)
            }
            Op::Cast => {
                let x = self.build(b, input(0), map);
                b.push(Expr::Cast(x), ty.dtype)
            }
            Op::Reshape => {
                let in_shape = &self.graph.ty(input(0)).shape;
                let in_map = match coords(&map, &ty.shape) {
                    // Adding or removing axes of length 1 keeps coordinates.
                    Some(c) if squeezed(&ty.shape) == squeezed(in_shape) => {
                        let mut outer = c
                            .into_iter()
                            .zip(&ty.shape)
                            .filter(|(_, d)| **d != 1)
                            .map(|(a, _)| a);
                        let in_coords = in_shape
                            .iter()
                            .map(|&d| match d {
                                1 => Affine::constant(0, rank),
                                _ => outer.next().expect("same non-unit extents"),
                            })
                            .collect();
                        Map::Coords(in_coords)
                    }
                    _ => Map::Flat(flat(&map, &ty.shape, rank)),
                };
                self.build(b, input(0), in_map)
            }
            Op::Broadcast => {
                let Some(c) = coords(&map, &ty.shape) else {
                    return self.cut(b, node, &map);
                };
                let in_shape = &self.graph.ty(input(0)).shape;
                let skip = ty.rank() - in_shape.len();
                let in_coords = in_shape
                    .iter()
                    .enumerate()
                    .map(|(j, &d)| {
                        if d == 1 {
                            Affine::constant(0, rank)
                        } else {
                            c[skip + j].clone()
                        }
                    })
                    .collect();
                self.build(b, input(0), Map::Coords(in_coords))
            }
            Op::Permute(perm) => {
                let Some(c) = coords(&map, &ty.shape) else {
                    return self.cut(b, node, &map);
                };
                let mut in_coords = vec![Affine::constant(0, rank); perm.len()];
                for (i, &p) in perm.iter().enumerate() {
                    in_coords[p] = c[i].clone();
                }
                self.build(b, input(0), Map::Coords(in_coords))
            }
            Op::Slice { start, step } => {
                let Some(c) = coords(&map, &ty.shape) else {
                    return self.cut(b, node, &map);
                };
                let in_coords = c
                    .iter()
                    .enumerate()
                    .map(|(k, a)| {
                        Affine::combine(std::slice::from_ref(a), &[step[k]], start[k], rank)
                    })
                    .collect();
                self.build(b, input(0), Map::Coords(in_coords))
            }
            Op::Reduce { .. } => {
                let phase = match self.mode {
                    Fusion::Fused => self.reduce_phase_map(b, node, &map),
                    Fusion::Unfused => None,
                };
                match phase {
                    Some(in_map) => self.reduce_phase(b, node, in_map),
                    None => self.cut(b, node, &map),
                }
            }
            Op::MatMul
            | Op::Fft { .. }
            | Op::Rfft
            | Op::Irfft { .. }
            | Op::Sort { .. }
            | Op::ArgSort { .. }
            | Op::Cumsum { .. }
            | Op::Cumprod { .. }
            | Op::TakeAlong { .. }
            | Op::ArgMin { .. }
            | Op::ArgMax { .. }
            | Op::Concat { .. } => self.load(b, node, &map),
        }
    }

    /// Reduction `node` as a reduce phase of `b`, its input read at `in_map`; the expression
    /// of its result.
    fn reduce_phase(&mut self, b: &mut Builder, node: NodeId, in_map: Map) -> ExprId {
        let n = self.graph.node(node);
        let Op::Reduce { op, .. } = n.op else {
            unreachable!("reduce phases come from reductions")
        };
        let value = self.build(b, n.inputs[0], in_map);
        b.phases.push(Phase::Reduce { op, value });
        let k = b.phases.len() as u32 - 1;
        b.push(Expr::Phase(k), n.ty.dtype)
    }

    /// Gives `node` a buffer of its own and loads it.
    fn cut(&mut self, b: &mut Builder, node: NodeId, map: &Map) -> ExprId {
        let buf = self.materialize(node);
        let ty = self.graph.ty(node);
        let at = flat(map, &ty.shape, b.rank());
        b.push(Expr::Load { buf, at }, ty.dtype)
    }

    /// If reduction `node`, read at `map`, can run as a reduce phase of kernel `b`, the map of
    /// its input. That is the case when each of its output coordinates is a distinct outer axis
    /// of the kernel, and the remaining axes of the kernel, in order, are exactly the reduced
    /// ones (in extent) and the kernel's inner axes (or the kernel has none yet).
    fn reduce_phase_map(&self, b: &mut Builder, node: NodeId, map: &Map) -> Option<Map> {
        let n = self.graph.node(node);
        let Op::Reduce { axes, .. } = &n.op else {
            return None;
        };
        let in_shape = &self.graph.ty(n.inputs[0]).shape;
        let c = coords(map, &n.ty.shape)?;
        let rank = b.rank();
        let mut used = Vec::new();
        for (a, &extent) in c.iter().zip(&n.ty.shape) {
            // An output axis of length 1 may be read at a constant 0 and use no loop.
            if extent == 1 && *a == Affine::constant(0, rank) {
                continue;
            }
            let axis = (0..rank).find(|&k| *a == Affine::axis(k, rank))?;
            if used.contains(&axis) {
                return None;
            }
            used.push(axis);
        }
        let rest: Vec<usize> = (0..rank).filter(|k| !used.contains(k)).collect();
        let extents_match = rest.len() == axes.len()
            && rest
                .iter()
                .zip(axes)
                .all(|(&k, &a)| b.space[k] == in_shape[a]);
        if !extents_match || rest.is_empty() {
            return None;
        }
        match &b.inner {
            Some(inner) if *inner != rest => return None,
            Some(_) => {}
            None => b.inner = Some(rest.clone()),
        }
        let mut kept = c.into_iter();
        let in_coords: Vec<Affine> = (0..in_shape.len())
            .map(|k| match axes.iter().position(|&a| a == k) {
                Some(i) => Affine::axis(rest[i], rank),
                None => kept.next().expect("one output coordinate per kept axis"),
            })
            .collect();
        Some(Map::Coords(in_coords))
    }

    /// Appends a kernel, or merges it into an earlier kernel over the same space that runs
    /// after everything it reads has been written.
    fn add_kernel(&mut self, k: Kernel, output: BufId) {
        if self.mode == Fusion::Fused {
            let reads = k.reads();
            let ready_after = reads
                .iter()
                .filter_map(|r| self.producer.get(r).copied())
                .max();
            let first_allowed = ready_after.map_or(0, |s| s + 1);
            for at in (first_allowed..self.steps.len()).rev() {
                if let Step::Kernel(target) = &mut self.steps[at]
                    && let Some(merged) = merge(target, &k)
                {
                    *target = merged;
                    self.producer.insert(output, at);
                    return;
                }
            }
        }
        let writes = k.writes();
        self.push_step(Step::Kernel(k), &writes);
    }
}

/// `a` followed by `b` in one kernel, if their loops agree: the same space, and the same inner
/// axes unless one of them has only stores over every point (which fit any loop order).
fn merge(a: &Kernel, b: &Kernel) -> Option<Kernel> {
    if a.space != b.space || a.exprs.len() + b.exprs.len() > MAX_KERNEL_EXPRS {
        return None;
    }
    let only_full_stores = |k: &Kernel| {
        k.phases.iter().all(|p| {
            matches!(
                p,
                Phase::Store {
                    over: Over::All,
                    ..
                }
            )
        })
    };
    let inner = if a.inner == b.inner || only_full_stores(b) {
        a.inner.clone()
    } else if only_full_stores(a) {
        b.inner.clone()
    } else {
        return None;
    };
    let mut builder = Builder::new(a.space.clone(), Some(inner));
    append(&mut builder, a);
    append(&mut builder, b);
    Some(builder.finish())
}

/// Copies `k`'s expressions, parameters and phases after those already in `into`,
/// renumbering them.
fn append(into: &mut Builder, k: &Kernel) {
    let phase_base = into.phases.len() as u32;
    let mut map: Vec<ExprId> = Vec::with_capacity(k.exprs.len());
    for (e, &dtype) in k.exprs.iter().zip(&k.dtypes) {
        let m = |x: &ExprId| map[x.0 as usize];
        let new = match e {
            Expr::Param(p) => {
                let (lit, dt) = k.params[*p as usize];
                map.push(into.param(lit, dt));
                continue;
            }
            Expr::Phase(p) => Expr::Phase(p + phase_base),
            _ => e.with_operands(m),
        };
        map.push(into.push(new, dtype));
    }
    for p in &k.phases {
        into.phases.push(match p {
            Phase::Reduce { op, value } => Phase::Reduce {
                op: *op,
                value: map[value.0 as usize],
            },
            Phase::Store { buf, value, over } => Phase::Store {
                buf: *buf,
                value: map[value.0 as usize],
                over: *over,
            },
        });
    }
}
