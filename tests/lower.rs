//! Script semantics that NumPy fixtures cannot show: weak scalars, lazy loops, functions
//! instantiated per call, random streams, and the verifier over every graph we build.

use arrjit::ir::verify::verify;
use arrjit::lower::{self, Lowerer, Mode};
use arrjit::syntax;
use arrjit_runtime::{Array, DType};
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

/// An output sink that can be read while the script state still borrows it.
#[derive(Clone, Default)]
struct SharedBuf(Rc<RefCell<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `source` and returns the final state and what it printed.
fn run_with(source: &str, mode: Mode) -> (Lowerer<'_>, String) {
    let (program, diags) = syntax::parse(source);
    assert!(diags.is_empty(), "{diags:?}");
    let buf = SharedBuf::default();
    let sink: &mut SharedBuf = Box::leak(Box::new(buf.clone()));
    let state = match lower::run(&program, source, mode, sink) {
        Ok(s) => s,
        Err(d) => panic!("{}", arrjit::diag::render("t.arr", source, &d)),
    };
    let printed = String::from_utf8(buf.0.borrow().clone()).unwrap();
    (state, printed)
}

fn run(source: &str) -> (Lowerer<'_>, String) {
    run_with(source, Mode::Run)
}

fn global(source: &str, name: &str) -> Array {
    run(source).0.global_array(name).expect("global exists")
}

#[test]
fn weak_scalars_take_the_array_dtype() {
    let src = "x = f32(arange(3))
a = x * 0.5
b = i32(arange(3)) + 1
c = i32(arange(3)) * 0.5
d = x + 1j
e = 2 * 3
f = sqrt(2)";
    let (mut s, _) = run(src);
    let dtype = |s: &mut Lowerer, n: &str| s.global_array(n).unwrap().dtype();
    assert_eq!(dtype(&mut s, "a"), DType::F32);
    assert_eq!(dtype(&mut s, "b"), DType::I32);
    assert_eq!(dtype(&mut s, "c"), DType::F64);
    assert_eq!(dtype(&mut s, "d"), DType::C64);
    assert_eq!(dtype(&mut s, "e"), DType::I64);
    assert_eq!(dtype(&mut s, "f"), DType::F64);
}

#[test]
fn functions_are_instantiated_per_call() {
    let src = "fn sq(x) = x * x
a = sq(3)
b = sq(f32([1.5, 2.0]))
c = sq([[1, 2], [3, 4]])";
    let (mut s, _) = run(src);
    assert_eq!(
        s.global_array("a").unwrap().as_slice::<i64>().unwrap(),
        &[9]
    );
    assert_eq!(
        s.global_array("b").unwrap().as_slice::<f32>().unwrap(),
        &[2.25, 4.0]
    );
    let c = s.global_array("c").unwrap();
    assert_eq!(c.shape(), &[2, 2]);
    assert_eq!(c.as_slice::<i64>().unwrap(), &[1, 4, 9, 16]);
}

#[test]
fn block_bodies_keyword_arguments_and_globals() {
    let src = "scale = 10
fn f(a, b) {
    s = a - b
    s * scale
}
x = f(b=1, a=4)";
    assert_eq!(global(src, "x").as_slice::<i64>().unwrap(), &[30]);
}

#[test]
fn loops_materialise_each_iteration() {
    // 1000 iterations of a dependent update: the graph must not grow with the iteration count.
    let src = "x = zeros(4)
for i in 0..1000 {
    x = x + i
}";
    let (mut s, _) = run(src);
    assert!(
        s.build.graph.len() < 10,
        "graph grew to {} nodes",
        s.build.graph.len()
    );
    // sum of 0..999 = 499500, computed by hand.
    assert_eq!(
        s.global_array("x").unwrap().as_slice::<f64>().unwrap(),
        &[499500.0; 4]
    );
}

#[test]
fn check_mode_runs_loop_bodies_once_and_prints_nothing() {
    let src = "x = zeros(2)
for i in 0..5 { x = x + 1 }
print(x)";
    let (_, printed) = run_with(src, Mode::Check);
    assert_eq!(printed, "");
    let (_, printed) = run(src);
    assert_eq!(printed, "[5. 5.]\n");
}

#[test]
fn random_streams_are_deterministic_and_distinct() {
    let src = "a = rand(100, seed=1)
b = rand(100, seed=1)
c = rand(100, seed=2)
d = rand(100)
e = rand(100)
g = rand((10, 10), seed=1)";
    let (mut s, _) = run(src);
    let [a, b, c, d, e, g] = ["a", "b", "c", "d", "e", "g"].map(|n| s.global_array(n).unwrap());
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_ne!(d, e, "unseeded calls get different streams");
    // The stream is a function of (seed, flat index), whatever the shape.
    assert_eq!(g.as_slice::<f64>(), a.as_slice::<f64>());
    let (mut again, _) = run(src);
    assert_eq!(
        again.global_array("d").unwrap(),
        d,
        "same script, same numbers"
    );
}

#[test]
fn lazy_values_are_evaluated_for_sizes() {
    // A size computed from data must be evaluated before the graph can be built on.
    let src = "n = i64(sum(ones(3)))
z = zeros(n)";
    assert_eq!(global(src, "z").shape(), &[3]);
}

#[test]
fn hash_consing_shares_identical_nodes() {
    let (s, _) = run("a = rand(8, seed=1)\nx = sin(a) * 2\ny = sin(a) * 2");
    let vars = s.array_globals();
    let node = |n: &str| vars.iter().find(|(k, _)| k == n).unwrap().1;
    assert_eq!(node("x"), node("y"));
}

#[test]
fn printing_follows_numpy() {
    let (_, printed) = run("print(\"n =\", 3, [1.5, 2.0], true, (1, 2), f32)");
    assert_eq!(printed, "n = 3 [1.5 2. ] True (1, 2) f32\n");
}

#[test]
fn every_example_builds_a_verified_graph() {
    let mut files: Vec<_> = std::fs::read_dir("examples")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "arr"))
        .collect();
    files.extend(
        std::fs::read_dir("tests/data/ir")
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "arr")),
    );
    assert!(!files.is_empty());
    for path in files {
        let source = std::fs::read_to_string(&path).unwrap();
        let (state, _) = run_with(&source, Mode::Check);
        verify(&state.build.graph).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

#[test]
fn verifier_rejects_broken_graphs() {
    use arrjit::ir::{BinaryOp, Graph, Lit, Op, Type};
    let mut g = Graph::new();
    let a = g.add(Op::Const(Lit::Int(1)), vec![], Type::scalar(DType::I64));
    let b = g.add(Op::Const(Lit::float(1.0)), vec![], Type::scalar(DType::F64));
    assert!(verify(&g).is_ok());
    g.add(
        Op::Binary(BinaryOp::Add),
        vec![a, b],
        Type::scalar(DType::F64),
    );
    let err = verify(&g).unwrap_err();
    assert!(err.contains("differ in dtype"), "{err}");

    let mut g = Graph::new();
    let x = g.add(Op::Iota { axis: 0 }, vec![], Type::new(DType::I64, vec![4]));
    g.add(
        Op::Slice {
            start: vec![2],
            step: vec![1],
        },
        vec![x],
        Type::new(DType::I64, vec![3]),
    );
    assert!(verify(&g).unwrap_err().contains("out of bounds"));
}

/// A tuple is indexed by a constant, negative from the end; anything else is a located error.
#[test]
fn tuples_are_indexed_by_constants() {
    let src = "fn two(x) = (x + 1, x * 2)\nt = two([1.0, 2.0])\na = t[0]\nb = t[-1]\nc = t[1][0]";
    assert_eq!(global(src, "a").as_slice::<f64>().unwrap(), &[2.0, 3.0]);
    assert_eq!(global(src, "b").as_slice::<f64>().unwrap(), &[2.0, 4.0]);
    assert_eq!(global(src, "c").as_slice::<f64>().unwrap(), &[2.0]);
    for (bad, want) in [
        ("t = (1, 2)\nx = t[2]", "out of bounds for a tuple of 2"),
        ("t = (1, 2)\nx = t[0:1]", "a tuple takes one index"),
        ("t = (1, 2)\nx = t[0, 1]", "a tuple takes one index"),
    ] {
        let (program, _) = syntax::parse(bad);
        let mut sink = Vec::new();
        let err = match lower::run(&program, bad, Mode::Run, &mut sink) {
            Ok(_) => panic!("{bad} ran"),
            Err(d) => arrjit::diag::render("t.arr", bad, &d),
        };
        assert!(
            err.contains(want) && err.contains("t.arr:2:"),
            "{bad}:\n{err}"
        );
    }
}
