//! Fusion: how many kernels canonical programs become, and that each schedule computes what
//! the interpreter computes.

mod common;

use arrjit::ir::{NodeId, Op};
use arrjit::kernel::{Expr, Phase, Schedule, Step, eval_schedule, print_schedule};
use arrjit::lower::{self, Lowerer, Mode};
use arrjit::passes::fuse::{Fusion, fuse};
use arrjit::syntax;

/// Runs `source`, fuses the graph of global `root`, checks the schedule's value against the
/// interpreter's, and returns the schedule and its text.
fn schedule_of(source: &str, root: &str, mode: Fusion) -> (Schedule, String) {
    schedule_of_all(source, &[root], mode)
}

/// `schedule_of` for several globals computed by one schedule.
fn schedule_of_all(source: &str, roots: &[&str], mode: Fusion) -> (Schedule, String) {
    let (program, diags) = syntax::parse(source);
    assert!(diags.is_empty(), "{diags:?}");
    let mut sink = Vec::new();
    let mut state: Lowerer = lower::run(&program, source, Mode::Run, &mut sink)
        .unwrap_or_else(|d| panic!("{}", arrjit::diag::render("t.arr", source, &d)));
    let nodes: Vec<NodeId> = roots.iter().map(|r| global_node(&state, r)).collect();
    let schedule = fuse(&state.build.graph, &nodes, mode);
    let text = print_schedule(&state.build.graph, &schedule);
    let values = eval_schedule(&schedule, &state.build.graph, &[]);
    for (root, got) in roots.iter().zip(&values) {
        let want = state.global_array(root).unwrap();
        // A matmul operand read transposed in place sums in GEMM's order for that layout.
        let close = common::first_mismatch(&want, got).is_none() && text.contains(" transposed");
        assert!(
            common::same_bits(&want, got) || close,
            "wrong value of {root}:\n{text}"
        );
    }
    (schedule.into_inner(), text)
}

/// The node of global array `name`.
fn global_node(state: &Lowerer, name: &str) -> NodeId {
    let globals = state.array_globals();
    globals
        .into_iter()
        .find(|(n, _)| n == name)
        .expect("a global array")
        .1
}

fn kernels(s: &Schedule) -> Vec<&arrjit::kernel::Kernel> {
    s.steps
        .iter()
        .filter_map(|st| match st {
            Step::Kernel(k) => Some(k),
            Step::Library(_) => None,
        })
        .collect()
}

fn loads(k: &arrjit::kernel::Kernel) -> usize {
    k.exprs
        .iter()
        .filter(|e| matches!(e, Expr::Load { .. }))
        .count()
}

fn library_count(s: &Schedule) -> usize {
    s.steps.len() - s.kernel_count()
}

const INPUTS: &str = "a = [0.5, 1.0, 1.5, 2.0, 2.5]
b = [1.0, -2.0, 3.0, -4.0, 5.0]
m = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.5]]
";

#[test]
fn chain_is_one_kernel_reading_each_input_once() {
    let src = format!("{INPUTS}y = sin(a) * b + a * a / (1 + b)");
    let (s, text) = schedule_of(&src, "y", Fusion::Fused);
    assert_eq!(s.kernel_count(), 1, "{text}");
    assert_eq!(loads(kernels(&s)[0]), 2, "{text}");
}

#[test]
fn sum_of_squares_reads_w_and_x_once_and_writes_one_number() {
    let src = format!("{INPUTS}y = sum((a * b) ** 2)");
    let (s, text) = schedule_of(&src, "y", Fusion::Fused);
    assert_eq!(s.kernel_count(), 1, "{text}");
    let k = kernels(&s)[0];
    assert_eq!(loads(k), 2, "{text}");
    let stores: Vec<_> = k
        .phases
        .iter()
        .filter(|p| matches!(p, Phase::Store { .. }))
        .collect();
    assert_eq!(stores.len(), 1, "{text}");
}

#[test]
fn softmax_is_at_most_two_kernels() {
    for src in [
        format!("{INPUTS}y = softmax(m, axis=1)"),
        format!("{INPUTS}y = softmax(a)"),
    ] {
        let (s, text) = schedule_of(&src, "y", Fusion::Fused);
        assert!(s.kernel_count() <= 2, "{text}");
    }
}

#[test]
fn reductions_with_epilogues_are_one_kernel() {
    for expr in [
        "mean(a)",
        "var(m, axis=1)",
        "logsumexp(m, axis=0)",
        "std(a)",
    ] {
        let src = format!("{INPUTS}y = {expr}");
        let (s, text) = schedule_of(&src, "y", Fusion::Fused);
        assert_eq!(s.kernel_count(), 1, "{expr}:\n{text}");
    }
}

#[test]
fn outputs_over_one_space_share_a_kernel() {
    let src = format!("{INPUTS}y = sin(a) * b\ns = sum(y)\nz = y + 1");
    let (s, text) = schedule_of_all(&src, &["y", "s", "z"], Fusion::Fused);
    assert_eq!(s.kernel_count(), 1, "{text}");
    assert_eq!(loads(kernels(&s)[0]), 2, "{text}");
}

#[test]
fn views_fold_into_index_maps() {
    // A stencil reads one buffer at three offsets; a transpose is a strided read.
    let (s, text) = schedule_of(
        &format!("{INPUTS}y = b[2:] - 2 * b[1:-1] + b[:-2]"),
        "y",
        Fusion::Fused,
    );
    assert_eq!(s.kernel_count(), 1, "{text}");
    assert!(
        text.contains("load b0[i0 + 2]") && text.contains("load b0[i0]"),
        "{text}"
    );
    let (s, text) = schedule_of(
        &format!("{INPUTS}y = transpose(m) * 2 + reshape(arange(6), (3, 2))"),
        "y",
        Fusion::Fused,
    );
    assert_eq!(s.kernel_count(), 1, "{text}");
    assert!(text.contains("load b0[i0 + 3*i1]"), "{text}");
}

#[test]
fn library_calls_take_their_neighbours_work() {
    // maximum(A @ B + bias, 0): the product, then one pass over it.
    let src = "A = reshape(arange(6.0), (2, 3))
B = reshape(arange(12.0), (3, 4))
bias = [1.0, -2.0, 3.0, -40.0]
y = maximum(A @ B + bias, 0)";
    let (s, text) = schedule_of(src, "y", Fusion::Fused);
    assert_eq!(library_count(&s), 1, "{text}");
    // Inputs of a library call are buffers: A and B are each made by a kernel of their own.
    assert_eq!(s.kernel_count(), 3, "{text}");
    // abs(fft(x * window)): multiply kernel → FFT → abs kernel.
    let src = format!("{INPUTS}y = abs(fft(a * b))");
    let (s, text) = schedule_of(&src, "y", Fusion::Fused);
    assert_eq!((s.kernel_count(), library_count(&s)), (2, 1), "{text}");
}

#[test]
fn unfused_runs_one_step_per_primitive() {
    let src = format!("{INPUTS}y = sin(a) * b + a * a / (1 + b)");
    let (program, _) = syntax::parse(&src);
    let mut sink = Vec::new();
    let state = lower::run(&program, &src, Mode::Run, &mut sink).unwrap();
    let y = state
        .array_globals()
        .into_iter()
        .find(|(n, _)| n == "y")
        .unwrap()
        .1;
    let primitives = state
        .build
        .graph
        .reachable(&[y])
        .into_iter()
        .filter(|&id| !matches!(state.build.graph.node(id).op, Op::Source(_) | Op::Const(_)))
        .count();
    let (s, text) = schedule_of(&src, "y", Fusion::Unfused);
    assert_eq!(s.steps.len(), primitives, "{text}");
}

#[test]
fn every_example_fuses_to_what_the_interpreter_computes() {
    let mut files: Vec<_> = ["examples", "tests/data/ir"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(dir).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "arr"))
        .collect();
    files.sort();
    for path in files {
        let source = std::fs::read_to_string(&path).unwrap();
        let (program, diags) = syntax::parse(&source);
        assert!(diags.is_empty());
        let mut sink = Vec::new();
        let mut state = lower::run(&program, &source, Mode::Run, &mut sink).unwrap();
        if let Err(e) = common::check_fusion(&mut state) {
            panic!("{}: {e}", path.display());
        }
    }
}

#[test]
fn real_and_complex_kernels_compile() {
    use arrjit::backend::cpu::Cpu;
    let src = format!(
        "{INPUTS}y = sin(a) * b + a * a / (1 + b)\nz = sum(m * m, axis=1)\nc = abs(complex(a, b))"
    );
    let (program, _) = syntax::parse(&src);
    let mut sink = Vec::new();
    let mut state = lower::run(&program, &src, Mode::Run, &mut sink).unwrap();
    let mut cpu = Cpu::new().unwrap();
    for (name, want_compiled) in [("y", 1), ("z", 2), ("c", 3)] {
        let node = state
            .array_globals()
            .into_iter()
            .find(|(n, _)| n == name)
            .unwrap()
            .1;
        let s = fuse(&state.build.graph, &[node], Fusion::Fused);
        let got = cpu.run_schedule(&s, &state.build.graph, &[]).remove(0);
        let want = state.global_array(name).unwrap();
        assert_eq!(common::first_mismatch(&want, &got), None, "{name}");
        assert_eq!(cpu.compiled_kernels(), want_compiled, "after {name}");
    }
}

#[test]
fn new_constants_compile_nothing_new() {
    use arrjit::backend::cpu::Cpu;
    let mut cpu = Cpu::new().unwrap();
    for k in [0.25, 0.5, 3.0] {
        let src = format!("{INPUTS}y = a * {k} + 1");
        let (program, _) = syntax::parse(&src);
        let mut sink = Vec::new();
        let mut state = lower::run(&program, &src, Mode::Run, &mut sink).unwrap();
        let node = global_node(&state, "y");
        let s = fuse(&state.build.graph, &[node], Fusion::Fused);
        let got = cpu.run_schedule(&s, &state.build.graph, &[]).remove(0);
        assert_eq!(
            common::first_mismatch(&state.global_array("y").unwrap(), &got),
            None
        );
    }
    assert_eq!(cpu.compiled_kernels(), 1);
}

#[test]
fn large_kernels_split_across_threads_give_the_interpreters_values() {
    // Above the parallel threshold: elementwise, row reductions and an epilogue.
    let src = "x = rand((300, 400), seed=3)
y = sin(x) * 2 + x[:, ::-1]
s = softmax(x, axis=1)
v = var(x, axis=1)
t = transpose(x) * 3";
    let (program, _) = syntax::parse(src);
    let mut sink = Vec::new();
    let mut state = lower::run(&program, src, Mode::Run, &mut sink).unwrap();
    common::check_fusion(&mut state).unwrap();
}

/// Matmul operands are read in place: a transpose becomes strides and a reshape reads the
/// buffer under it, so neither is copied; the logistic-loss gradient is two matrix products
/// around one elementwise kernel, and `X` is never copied.
#[test]
fn matmul_reads_transposed_and_reshaped_operands_in_place() {
    let src = "X = randn((300, 20), seed=1)\nv = randn(300, seed=2)\ng = transpose(X) @ v";
    let (s, text) = schedule_of(src, "g", Fusion::Fused);
    assert!(
        text.contains("matmul b0 transposed, b1 as (300, 1)"),
        "{text}"
    );
    assert_eq!(library_count(&s), 1, "{text}");
    let src = "X = randn((300, 20), seed=1)\ny = where(rand(300, seed=2) > 0.5, 1.0, -1.0)\n\
               w = randn(20, seed=3)\nfn loss(w) = sum(log(1 + exp(-y * (X @ w))))\n\
               g = grad(loss)(w)";
    let (s, text) = schedule_of(src, "g", Fusion::Fused);
    assert_eq!(library_count(&s), 2, "{text}");
    // The kernels write X (a random input), w, the elementwise part and the result: nothing
    // of X's size besides X itself.
    let big = s
        .buffers
        .iter()
        .filter(|b| b.shape.iter().product::<usize>() == 300 * 20)
        .count();
    assert_eq!(big, 1, "{text}");
}

/// Kernels that each take a row's mean join into one, and so do the sums of squares computed
/// from the means once those are merged: each row is summed twice (the mean, then the
/// variance), not three times, and no expression is computed twice.
#[test]
fn joined_kernels_reduce_each_value_once() {
    let src = "x = rand((6, 40), seed=1)\n\
               mu = mean(x, axis=1, keepdims=true)\n\
               sd = sqrt(mean((x - mu) ** 2, axis=1, keepdims=true))\n\
               z = (x - mu) / sd";
    let (s, text) = schedule_of_all(src, &["mu", "sd", "z"], Fusion::Fused);
    let reduces: usize = kernels(&s)
        .iter()
        .map(|k| {
            k.phases
                .iter()
                .filter(|p| matches!(p, Phase::Reduce { .. }))
                .count()
        })
        .sum();
    assert_eq!(reduces, 2, "{text}");
    for k in kernels(&s) {
        let mut seen = std::collections::HashSet::new();
        for e in k.exprs.iter().zip(&k.dtypes) {
            assert!(seen.insert(e), "{e:?} twice:\n{text}");
        }
    }
}

/// Around a matrix product: the epilogue `maximum(C + bias, 0)` and the row reductions
/// `sum(C) + max(C)` are one kernel after the product: the two reductions (the script spells
/// one of them twice) share one loop per row, and the epilogue, which needs their results,
/// takes a second loop over the same row while it is in cache.
#[test]
fn reductions_and_epilogues_of_a_product_are_one_kernel() {
    let src = "A = rand((64, 32), seed=1)\nB = rand((32, 48), seed=2)\nbias = rand(48, seed=3)\n\
               C = A @ B\ny = maximum(C + bias, 0) + reshape(sum(C, axis=1) + max(C, axis=1) + sum(C, axis=1), (64, 1))";
    let (s, text) = schedule_of(src, "y", Fusion::Fused);
    let after: Vec<_> = s
        .steps
        .iter()
        .skip_while(|st| !matches!(st, Step::Library(_)))
        .skip(1)
        .collect();
    assert_eq!(after.len(), 1, "{text}");
    let Step::Kernel(k) = after[0] else {
        panic!("{text}")
    };
    let host = k.carried_by();
    let reduces: Vec<usize> = (0..k.phases.len())
        .filter(|&i| matches!(k.phases[i], Phase::Reduce { .. }))
        .collect();
    assert_eq!(reduces.len(), 2, "{text}");
    assert_eq!(host[reduces[1]], Some(reduces[0]), "{text}");
}

/// `abs(fft(x * window))` is the multiply kernel, the FFT, and the `abs` kernel: nothing more.
#[test]
fn a_windowed_fft_is_two_kernels_around_the_transform() {
    let src = "x = rand(256, seed=1)\nwindow = rand(256, seed=2)\ny = abs(fft(x * window))";
    let (s, text) = schedule_of(src, "y", Fusion::Fused);
    assert_eq!(library_count(&s), 1, "{text}");
    assert_eq!(s.kernel_count(), 2, "{text}");
    assert!(matches!(s.steps[1], Step::Library(_)), "{text}");
}

/// The longest chain of expressions inside one kernel.
fn expr_depth(k: &arrjit::kernel::Kernel) -> usize {
    let mut depth = vec![0usize; k.exprs.len()];
    for (i, e) in k.exprs.iter().enumerate() {
        let inputs: Vec<usize> = match e {
            Expr::Unary(_, x) | Expr::Cast(x) => vec![x.0 as usize],
            Expr::Binary(_, x, y) => vec![x.0 as usize, y.0 as usize],
            Expr::Where(c, x, y) => vec![c.0 as usize, x.0 as usize, y.0 as usize],
            _ => Vec::new(),
        };
        depth[i] = 1 + inputs.iter().map(|&j| depth[j]).max().unwrap_or(0);
    }
    depth.into_iter().max().unwrap_or(0)
}

#[test]
fn deep_chains_are_cut_into_bounded_kernels_in_both_modes() {
    use arrjit::passes::fuse::{MAX_INLINE_DEPTH, MAX_KERNEL_EXPRS};
    // 6,000 dependent ops: built recursively in one kernel this overflowed the stack (unfused)
    // and took minutes to compile (fused).
    let src = "fn f(x) { y = x; for i in 0..3000 { y = sin(y) * 1.0001 }; y }\ny = f(a)";
    for mode in [Fusion::Fused, Fusion::Unfused] {
        let (s, text) = schedule_of(&format!("{INPUTS}{src}"), "y", mode);
        let ks = kernels(&s);
        for k in &ks {
            assert!(k.exprs.len() <= MAX_KERNEL_EXPRS, "{mode:?}: {text}");
            // Loads and constants add one level under the inlined ops.
            assert!(
                expr_depth(k) <= MAX_INLINE_DEPTH as usize + 1,
                "{mode:?}: depth {}",
                expr_depth(k)
            );
        }
        if mode == Fusion::Fused {
            let ops = 6000;
            let most = ops / (MAX_INLINE_DEPTH as usize - 1) + 2;
            assert!(
                ks.len() >= ops / MAX_INLINE_DEPTH as usize && ks.len() <= most,
                "{} kernels",
                ks.len()
            );
        }
    }
}

#[test]
fn kernels_that_differ_only_in_their_buffers_share_code() {
    use arrjit::backend::cpu::Cpu;
    // Unfused, the 41 steps are 20 of `sin(load)` and 20 of `load * load`, each on buffers of
    // its own, and one that broadcasts the constant.
    let src =
        format!("{INPUTS}fn f(x) {{ y = x; for i in 0..20 {{ y = sin(y) * 1.5 }}; y }}\ny = f(a)");
    let (program, _) = syntax::parse(&src);
    let mut sink = Vec::new();
    let mut state = lower::run(&program, &src, Mode::Run, &mut sink).unwrap();
    let node = global_node(&state, "y");
    let s = fuse(&state.build.graph, &[node], Fusion::Unfused);
    assert_eq!(s.kernel_count(), 41);
    let mut cpu = Cpu::new().unwrap();
    let got = cpu.run_schedule(&s, &state.build.graph, &[]).remove(0);
    assert!(common::same_bits(&state.global_array("y").unwrap(), &got));
    assert_eq!(cpu.compiled_kernels(), 3);
}
