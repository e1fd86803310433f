//! The vector loop of a loop nest: `lanes` points at a time, unrolled, then a scalar loop for
//! the points left (see `lower.rs` for the whole picture).
//!
//! Before the loop, everything that does not change along its axis is computed once: such
//! expressions become splatted constants, and each load and store becomes a row address plus
//! a stride. Contiguous loads and stores are single vector instructions; strided ones, and
//! operations without a vector instruction, go lane by lane.

use super::lower::{Body, Emitter, clif_type, flags};
use super::ops::bitcast_to_mask_lane;
use super::reuse::varying_along;
use crate::kernel::{Expr, ExprId, Over, Phase, SizeSlot};
use arrjit_runtime::DType;
use cranelift_codegen::ir::{InstBuilder, Type, Value, types};
use cranelift_module::Module;
use std::collections::HashMap;

/// How far apart consecutive points of a loop are in a buffer (or in an index).
#[derive(Clone, Copy)]
enum Stride {
    /// One element.
    Unit,
    /// A run-time distance, in bytes (buffers) or elements (indices).
    Dynamic(Value),
}

/// Where an expression or a store sits along the vector axis: `base + i * stride`.
#[derive(Clone, Copy)]
struct Row {
    base: Value,
    stride: Stride,
}

/// Values computed before the vector loop of one axis.
struct Hoisted {
    axis: usize,
    varying: Vec<bool>,
    scalars: HashMap<ExprId, Value>,
    splats: HashMap<ExprId, Value>,
    rows: HashMap<ExprId, Row>,
    store_rows: HashMap<usize, Row>,
    /// Values read from the row of a store's buffer instead of computed (`reuse.rs`).
    reloads: HashMap<ExprId, Row>,
    /// Expressions `hoist` has seen: each is visited once however many expressions read it,
    /// so a DAG with shared operands costs its size, not the number of its paths.
    seen: Vec<bool>,
}

impl<M: Module> Emitter<'_, '_, M> {
    /// The vector loop over `axis`, then the scalar loop over the points left.
    pub(super) fn vector_loop(&mut self, axis: usize, body: &mut Body) {
        let (lo, hi) = self.bounds(axis);
        let mut roots: Vec<ExprId> = body.stores.iter().map(|&p| self.store_value(p)).collect();
        roots.extend(body.accs.iter().map(|acc| acc.value));
        let mut h = Hoisted {
            axis,
            varying: varying_along(self.k, axis),
            scalars: HashMap::new(),
            splats: HashMap::new(),
            rows: HashMap::new(),
            store_rows: HashMap::new(),
            reloads: HashMap::new(),
            seen: vec![false; self.k.exprs.len()],
        };
        for r in &body.reloads {
            let row = self.store_row(r.store, axis);
            h.reloads.insert(r.value, row);
        }
        for &r in &roots {
            self.hoist(r, &mut h);
        }
        let spilled = body.spills.iter().map(|s| s.store);
        for p in body.stores.iter().copied().chain(spilled) {
            let row = self.store_row(p, axis);
            h.store_rows.insert(p, row);
        }
        let step = (self.unroll * self.lanes) as i64;
        let n = self.b.ins().isub(hi, lo);
        let rest = self.b.ins().band_imm_s(n, step - 1);
        let main_end = self.b.ins().isub(hi, rest);
        self.counted_loop(axis, lo, main_end, step, &mut |e, i| {
            for copy in 0..e.unroll {
                e.vector_body(body, &h, i, copy);
            }
        });
        let start = self.b.use_var(self.index[axis]);
        let cache = h.scalars.clone();
        self.counted_loop(axis, start, hi, 1, &mut |e, _| {
            e.scalar_body(body, &mut cache.clone())
        });
    }

    /// Computes before the loop what `id` needs that does not change along the loop's axis.
    fn hoist(&mut self, id: ExprId, h: &mut Hoisted) {
        if std::mem::replace(&mut h.seen[id.0 as usize], true) || h.reloads.contains_key(&id) {
            return;
        }
        let d = self.k.dtypes[id.0 as usize];
        if !h.varying[id.0 as usize] {
            let s = self.value(id, &mut h.scalars);
            let vt = self.vector_type(d);
            let v = self.splat_scalar(s, d, vt);
            h.splats.insert(id, v);
            return;
        }
        match self.k.exprs[id.0 as usize].clone() {
            Expr::Load { buf, at } => {
                let partial = self.affine_without(id, &at, h.axis);
                let size = d.itemsize() as i64;
                let bytes = self.b.ins().imul_imm_s(partial, size);
                let base = self.b.ins().iadd(self.bases[&buf], bytes);
                let stride = match at.coef[h.axis] {
                    1 => Stride::Unit,
                    _ => {
                        let c = self.sizes[&SizeSlot::Coef(id, h.axis)];
                        Stride::Dynamic(self.b.ins().imul_imm_s(c, size))
                    }
                };
                h.rows.insert(id, Row { base, stride });
            }
            Expr::Index(at) | Expr::Rand { at, .. } => {
                let base = self.affine_without(id, &at, h.axis);
                let stride = match at.coef[h.axis] {
                    1 => Stride::Unit,
                    _ => Stride::Dynamic(self.sizes[&SizeSlot::Coef(id, h.axis)]),
                };
                h.rows.insert(id, Row { base, stride });
            }
            Expr::Unary(_, x) | Expr::Cast(x) => self.hoist(x, h),
            Expr::Binary(_, x, y) => {
                self.hoist(x, h);
                self.hoist(y, h);
            }
            Expr::Where(c, x, y) => {
                self.hoist(c, h);
                self.hoist(x, h);
                self.hoist(y, h);
            }
            Expr::Param(_) | Expr::Phase(_) => unreachable!("parameters do not vary"),
        }
    }

    /// One unrolled copy of the vector body: the `lanes` points from `i + copy * lanes`.
    fn vector_body(&mut self, body: &mut Body, h: &Hoisted, i: Value, copy: usize) {
        let mut cache = HashMap::new();
        for &p in &body.stores {
            let value = self.store_value(p);
            let d = self.k.dtypes[value.0 as usize];
            let v = self.vector_value(value, h, i, copy, &mut cache);
            let row = h.store_rows[&p];
            self.store_lanes(v, d, row, i, copy);
        }
        for acc in body.accs.iter_mut() {
            let v = self.vector_value(acc.value, h, i, copy, &mut cache);
            if acc.acc_d != acc.d {
                // f32x4 → two f64x2 accumulators.
                let lo = self.b.ins().fvpromote_low(v);
                let l2 = self.b.ins().extractlane(v, 2);
                let l3 = self.b.ins().extractlane(v, 3);
                let (w2, w3) = (
                    self.b.ins().fpromote(types::F64, l2),
                    self.b.ins().fpromote(types::F64, l3),
                );
                let hi = self.b.ins().splat(types::F64X2, w2);
                let hi = self.b.ins().insertlane(hi, w3, 1);
                for (k, part) in [lo, hi].into_iter().enumerate() {
                    let var = acc.vectors[2 * copy + k];
                    let a = self.b.use_var(var);
                    let r = self.combine(acc.op, acc.acc_d, a, part);
                    self.b.def_var(var, r);
                }
            } else {
                let var = acc.vectors[copy];
                let a = self.b.use_var(var);
                let r = self.combine(acc.op, acc.acc_d, a, v);
                self.b.def_var(var, r);
            }
        }
        for s in &body.spills {
            let d = self.k.dtypes[s.value.0 as usize];
            let v = self.vector_value(s.value, h, i, copy, &mut cache);
            self.store_lanes(v, d, h.store_rows[&s.store], i, copy);
        }
    }

    /// The position of lane `lane` of copy `copy` along the loop: `i + copy * lanes + lane`.
    fn position(&mut self, i: Value, copy: usize, lane: usize) -> Value {
        let k = (copy * self.lanes + lane) as i64;
        if k == 0 {
            i
        } else {
            self.b.ins().iadd_imm_s(i, k)
        }
    }

    /// `row.base + pos * row.stride`, with `unit` the size of one step when the stride is 1.
    fn along(&mut self, row: Row, pos: Value, unit: i64) -> Value {
        let step = match row.stride {
            Stride::Unit if unit == 1 => pos,
            Stride::Unit => self.b.ins().imul_imm_s(pos, unit),
            Stride::Dynamic(s) => self.b.ins().imul(pos, s),
        };
        self.b.ins().iadd(row.base, step)
    }

    fn store_lanes(&mut self, v: Value, d: DType, row: Row, i: Value, copy: usize) {
        let size = d.itemsize() as i64;
        match row.stride {
            Stride::Unit if d != DType::Bool => {
                let addr = self.along(row, i, size);
                let offset = (copy * self.lanes) as i64 * size;
                self.b.ins().store(flags(), v, addr, offset as i32);
            }
            _ => {
                for lane in 0..self.lanes {
                    let x = self.lane(v, d, lane);
                    let pos = self.position(i, copy, lane);
                    let addr = self.along(row, pos, size);
                    self.b.ins().store(flags(), x, addr, 0);
                }
            }
        }
    }

    /// The `lanes` elements of dtype `d` at the points of copy `copy` along `row`, as a vector.
    fn load_lanes(&mut self, row: Row, d: DType, i: Value, copy: usize) -> Value {
        let size = d.itemsize() as i64;
        match row.stride {
            Stride::Unit if d != DType::Bool => {
                let addr = self.along(row, i, size);
                let offset = (copy * self.lanes) as i64 * size;
                let vt = self.vector_type(d);
                self.b.ins().load(vt, flags(), addr, offset as i32)
            }
            _ => {
                let ty = clif_type(d).expect("checked");
                let lanes: Vec<Value> = (0..self.lanes)
                    .map(|lane| {
                        let pos = self.position(i, copy, lane);
                        let addr = self.along(row, pos, size);
                        self.b.ins().load(ty, flags(), addr, 0)
                    })
                    .collect();
                self.gather_lanes(&lanes, d)
            }
        }
    }

    /// The value of `id` at the `lanes` points of copy `copy`, as a vector.
    fn vector_value(
        &mut self,
        id: ExprId,
        h: &Hoisted,
        i: Value,
        copy: usize,
        cache: &mut HashMap<ExprId, Value>,
    ) -> Value {
        if let Some(&v) = h.splats.get(&id).or_else(|| cache.get(&id)) {
            return v;
        }
        let d = self.k.dtypes[id.0 as usize];
        if let Some(&row) = h.reloads.get(&id) {
            let v = self.load_lanes(row, d, i, copy);
            cache.insert(id, v);
            return v;
        }
        let v = match self.k.exprs[id.0 as usize].clone() {
            Expr::Load { .. } => self.load_lanes(h.rows[&id], d, i, copy),
            Expr::Index(_) => {
                let row = h.rows[&id];
                let lanes: Vec<Value> = (0..self.lanes)
                    .map(|lane| {
                        let pos = self.position(i, copy, lane);
                        self.along(row, pos, 1)
                    })
                    .collect();
                self.gather_lanes(&lanes, d)
            }
            Expr::Rand { normal, .. } => {
                let row = h.rows[&id];
                let seed = self.sizes[&SizeSlot::Seed(id)];
                let lanes: Vec<Value> = (0..self.lanes)
                    .map(|lane| {
                        let pos = self.position(i, copy, lane);
                        let at = self.along(row, pos, 1);
                        self.rand(normal, d, seed, at)
                    })
                    .collect();
                self.gather_lanes(&lanes, d)
            }
            Expr::Unary(op, x) => {
                let xd = self.k.dtypes[x.0 as usize];
                let xv = self.vector_value(x, h, i, copy, cache);
                match self.vector_unary(op, xd, xv) {
                    Some(v) => v,
                    None => self.lanewise(&[(xv, xd)], d, &mut |e, a| e.scalar_unary(op, xd, a[0])),
                }
            }
            Expr::Binary(op, x, y) => {
                let xd = self.k.dtypes[x.0 as usize];
                let xv = self.vector_value(x, h, i, copy, cache);
                let yv = self.vector_value(y, h, i, copy, cache);
                match self.vector_binary(op, xd, xv, yv) {
                    Some(v) => v,
                    None => self.lanewise(&[(xv, xd), (yv, xd)], d, &mut |e, a| {
                        e.scalar_binary(op, xd, a[0], a[1])
                    }),
                }
            }
            Expr::Where(c, x, y) => {
                let cv = self.vector_value(c, h, i, copy, cache);
                let xv = self.vector_value(x, h, i, copy, cache);
                let yv = self.vector_value(y, h, i, copy, cache);
                self.select(cv, xv, yv)
            }
            Expr::Cast(x) => {
                let xd = self.k.dtypes[x.0 as usize];
                let xv = self.vector_value(x, h, i, copy, cache);
                match self.vector_cast(xv, xd, d) {
                    Some(v) => v,
                    None => self.lanewise(&[(xv, xd)], d, &mut |e, a| e.scalar_cast(a[0], xd, d)),
                }
            }
            Expr::Param(_) | Expr::Phase(_) => unreachable!("hoisted: they do not vary"),
        };
        cache.insert(id, v);
        v
    }

    /// `f` applied lane by lane to vectors `args`; the result has dtype `out`.
    fn lanewise(
        &mut self,
        args: &[(Value, DType)],
        out: DType,
        f: &mut dyn FnMut(&mut Self, &[Value]) -> Value,
    ) -> Value {
        let results: Vec<Value> = (0..self.lanes)
            .map(|lane| {
                let scalars: Vec<Value> =
                    args.iter().map(|&(v, d)| self.lane(v, d, lane)).collect();
                f(self, &scalars)
            })
            .collect();
        self.gather_lanes(&results, out)
    }

    /// A scalar of dtype `d` in every lane of a vector of type `vt`.
    pub(super) fn splat_scalar(&mut self, s: Value, d: DType, vt: Type) -> Value {
        let s = if d == DType::Bool {
            bitcast_to_mask_lane(self.b, s, vt.lane_type())
        } else {
            s
        };
        self.b.ins().splat(vt, s)
    }
    /// Where store phase `p` writes along `axis`.
    fn store_row(&mut self, p: usize, axis: usize) -> Row {
        let Phase::Store { buf, value, over } = self.k.phases[p] else {
            unreachable!("store phases")
        };
        let d = self.k.dtypes[value.0 as usize];
        let size = d.itemsize() as i64;
        let partial = self.store_offset(over, Some(axis));
        let base = self.element_address(buf, partial, d);
        let axes: Vec<usize> = match over {
            Over::All => (0..self.k.space.len()).collect(),
            Over::Outer => (0..self.k.space.len())
                .filter(|a| !self.k.inner.contains(a))
                .collect(),
        };
        let stride = if axes.last() == Some(&axis) {
            Stride::Unit
        } else {
            let s = match over {
                Over::All => self.all_strides[axis],
                Over::Outer => self.outer_strides[axis].expect("an outer axis"),
            };
            Stride::Dynamic(self.b.ins().imul_imm_s(s, size))
        };
        Row { base, stride }
    }
}
