//! Restricted embedding: each of `Limits`' bounds refuses a program that crosses it, with a
//! located message and without doing the work, in every engine; a program inside the bounds
//! runs as before.

use arrjit::{Engine, Error, Function, Limits, Options, compile_with};
use std::time::Duration;

const ENGINES: [Engine; 3] = [Engine::Fused, Engine::Unfused, Engine::Interp];

fn compile(source: &str, mode: Engine, limits: &Limits) -> Result<Function, Error> {
    compile_with(
        source,
        Options {
            mode,
            limits: limits.clone(),
            file_name: "user.arr".into(),
            ..Options::default()
        },
    )
}

/// The error of calling `fn f(x)` of `source` on `x`, in every engine (the same in each).
fn refusal(source: &str, x: &[f64], limits: &Limits) -> String {
    let mut messages = ENGINES.iter().map(|&mode| {
        let f = compile(source, mode, limits).expect("compiles");
        f.call(&[&x.to_vec()]).expect_err("refused").to_string()
    });
    let first = messages.next().unwrap();
    for other in messages {
        assert_eq!(other, first);
    }
    first
}

fn runs(source: &str, x: &[f64], limits: &Limits) {
    for mode in ENGINES {
        let f = compile(source, mode, limits).expect("compiles");
        f.call(&[&x.to_vec()]).expect("runs within the limits");
    }
}

#[test]
fn an_array_over_the_element_limit_is_refused_where_it_is_made() {
    let limits = Limits {
        max_elements: Some(1000),
        ..Limits::default()
    };
    let src = "fn f(x) = x + sum(zeros(5000))";
    let err = refusal(src, &[1.0], &limits);
    assert!(
        err.starts_with(
            "user.arr:1:19: error: array of shape (5000,) has 5000 elements; the limit is 1000"
        ),
        "{err}"
    );
    assert!(err.contains("zeros(5000)"), "{err}");
    runs("fn f(x) = x + sum(zeros(1000))", &[1.0], &limits);
    // Arguments count too: they are arrays of the program.
    let err = refusal("fn f(x) = x * 2", &[0.5; 1001], &limits);
    assert!(
        err.starts_with("user.arr:1:6: error: argument `x`: array of shape (1001,)"),
        "{err}"
    );
    // So does a broadcast that stays a view when fused.
    let err = refusal("fn f(x) = x + zeros((2000, 1))", &[1.0], &limits);
    assert!(err.contains("the limit is 1000"), "{err}");
}

#[test]
fn arrays_over_the_byte_limit_together_are_refused() {
    // Each array of 1,000 f64 takes 8 kB: the argument and five intermediates (48 kB) fit in
    // 60 kB; in the longer chain the eighth array, `sqrt(x)`, brings the total to 64 kB.
    let limits = Limits {
        max_bytes: Some(60_000),
        ..Limits::default()
    };
    let x = vec![0.25; 1000];
    runs("fn f(x) = sin(x) * cos(x) + exp(x)", &x, &limits);
    let err = refusal(
        "fn f(x) = sin(x) * cos(x) + exp(x) + tan(x) * sqrt(x) - log(x)",
        &x,
        &limits,
    );
    assert!(err.starts_with("user.arr:1:47: error:"), "{err}");
    assert!(
        err.contains("the arrays of this run would take 64.0 KB together; the limit is 60.0 KB"),
        "{err}"
    );
}

#[test]
fn a_graph_over_the_node_limit_is_refused() {
    let limits = Limits {
        max_nodes: 500,
        ..Limits::default()
    };
    let src = "fn f(x) { y = x; for i in 0..1000 { y = y * 0.5 + 1 }; y }";
    let err = refusal(src, &[1.0, 2.0], &limits);
    assert!(
        err.contains("error: the program's graph has reached its limit of 500 nodes"),
        "{err}"
    );
    runs(
        "fn f(x) { y = x; for i in 0..100 { y = y * 0.5 + 1 }; y }",
        &[1.0, 2.0],
        &limits,
    );
}

#[test]
fn the_default_node_limit_stops_a_runaway_unrolled_loop() {
    let src = "fn f(x) { y = x; for i in 0..2000000 { y = y + 1 }; y }";
    let f = compile(src, Engine::Interp, &Limits::default()).unwrap();
    let err = f.call(&[&vec![1.0]]).unwrap_err().to_string();
    assert!(err.contains("reached its limit of 1000000 nodes"), "{err}");
}

#[test]
fn file_access_can_be_turned_off() {
    let dir = std::env::temp_dir().join(format!("arrjit-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("x.npy");
    let p = path.display().to_string();
    arrjit_runtime::npy::write_npy(&path, &arrjit::Array::from_vec(vec![2], vec![1.0f64, 2.0]))
        .unwrap();
    let locked = Limits {
        files: false,
        ..Limits::default()
    };
    let load = format!("fn f(x) = x + load({p:?})");
    let err = refusal(&load, &[1.0], &locked);
    assert!(
        err.starts_with("user.arr:1:15: error: file access is turned off"),
        "{err}"
    );
    assert!(err.contains("`load` cannot use"), "{err}");
    runs(&load, &[1.0], &Limits::default());

    // `save` at the top level runs when the function is compiled: refused there, nothing written.
    let out = dir.join("out.npy");
    let save = format!("save({:?}, [1.0])\nfn f(x) = x", out.display().to_string());
    for mode in ENGINES {
        let err = compile(&save, mode, &locked)
            .err()
            .expect("refused")
            .to_string();
        assert!(
            err.starts_with("user.arr:1:1: error: file access is turned off"),
            "{err}"
        );
        assert!(!out.exists());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_file_larger_than_the_limits_is_not_read() {
    let dir = std::env::temp_dir().join(format!("arrjit-limits-big-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.npy");
    let big = arrjit::Array::from_vec(vec![200_000], vec![0.0f64; 200_000]);
    arrjit_runtime::npy::write_npy(&path, &big).unwrap();
    let src = format!("fn f(x) = x + load({:?})", path.display().to_string());
    let limits = Limits {
        max_bytes: Some(100_000),
        ..Limits::default()
    };
    let err = refusal(&src, &[1.0], &limits);
    assert!(
        err.contains("the arrays of this run would take 1.6 MB together; the limit is 100.0 KB"),
        "{err}"
    );
    // The header is enough to refuse: a file that declares 10^6 elements but holds 8 bytes is
    // refused for its size, not read and found short.
    let mut header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (1000000,), }".to_vec();
    header.resize(117, b' ');
    header.push(b'\n');
    let mut lying = b"\x93NUMPY\x01\x00\x76\x00".to_vec();
    lying.extend_from_slice(&header);
    lying.extend_from_slice(&[0; 8]);
    std::fs::write(&path, &lying).unwrap();
    let limits = Limits {
        max_elements: Some(1000),
        ..Limits::default()
    };
    let err = refusal(&src, &[1.0], &limits);
    assert!(
        err.contains("array of shape (1000000,) has 1000000 elements; the limit is 1000"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_time_limit_stops_compiling_and_calling() {
    // A limit of zero has passed at the first check: a located error, whatever the engine.
    let none = Limits {
        time: Some(Duration::ZERO),
        ..Limits::default()
    };
    for mode in ENGINES {
        let err = compile("x = 1 + 2\nfn f(x) = x", mode, &none)
            .err()
            .expect("out of time")
            .to_string();
        assert!(
            err.starts_with("user.arr:1:1: error: the run went over its time limit of 0 µs"),
            "{err}"
        );
    }
    // Tracing 400,000 nodes takes far longer than 20 ms anywhere: the call stops while it
    // builds the graph, long before the node limit.
    let short = Limits {
        time: Some(Duration::from_millis(20)),
        ..Limits::default()
    };
    let src = "fn f(x) { y = x; for i in 0..200000 { y = sin(y) * 1.0001 }; y }";
    for mode in ENGINES {
        let f = compile(src, mode, &short).unwrap();
        let err = f.call(&[&vec![1.0]]).unwrap_err().to_string();
        // Where it stops depends on the time: somewhere in the loop's body.
        assert!(
            err.starts_with("user.arr:1:")
                && err.contains("error: the run went over its time limit of 20 ms"),
            "{err}"
        );
    }
}

#[test]
fn runs_stop_between_steps_once_the_deadline_has_passed() {
    use arrjit::backend::cpu::Cpu;
    use arrjit::ir::interp::Evaluator;
    use arrjit::limits::{Deadline, Stop};
    use arrjit::lower::{self, Mode};
    use arrjit::passes::fuse::{Fusion, fuse, fuse_until};

    let src = "a = rand(1000, seed=1)\ny = sort(a * 3) + 1";
    let (program, _) = arrjit::syntax::parse(src);
    let mut sink = Vec::new();
    let mut state = lower::run(&program, src, Mode::Run, &mut sink).unwrap();
    let (_, y) = state
        .array_globals()
        .into_iter()
        .find(|(n, _)| n == "y")
        .unwrap();
    let want = state.global_array("y").unwrap();
    let past = Deadline::after(Some(Duration::ZERO));
    std::thread::sleep(Duration::from_millis(1));
    let expired = Err(Stop::Time(Duration::ZERO));

    // Fusing and compiling stop too (each checks before a kernel).
    assert_eq!(
        fuse_until(&state.build.graph, &[y], Fusion::Fused, past).map(|_| ()),
        expired
    );
    let mut cpu = Cpu::new().unwrap();
    let schedule = fuse(&state.build.graph, &[y], Fusion::Fused);
    assert_eq!(
        cpu.prepare_until(schedule.clone(), past).map(|_| ()),
        expired
    );
    assert!(
        cpu.stats().is_empty(),
        "nothing was compiled past the deadline"
    );
    let prepared = cpu.prepare(schedule);
    assert_eq!(
        prepared
            .run_until(&state.build.graph, &[], past)
            .map(|_| ()),
        expired
    );
    let got = prepared
        .run_until(&state.build.graph, &[], Deadline::NONE)
        .unwrap();
    assert!(got[0] == want);

    let mut ev = Evaluator::new();
    assert_eq!(
        ev.eval_until(&state.build.graph, y, |_| true, past)
            .map(|_| ()),
        expired
    );
    let got = ev
        .eval_until(&state.build.graph, y, |_| true, Deadline::NONE)
        .unwrap();
    assert!(*got == want);
}

/// Values read by several others (`x = x * x + x` reads `x` twice) make a DAG with a number of
/// paths that doubles with each line. Every stage must visit each value once: 60 lines
/// compile, differentiate and run in well under the limits here, which 2^60 paths could never
/// meet (the time limit, or the wait for the thread, turns a regression into a failure instead
/// of a hang).
#[test]
fn shared_values_compile_once_per_value() {
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        shared_values_agree_in_every_engine();
        done.send(()).unwrap();
    });
    match finished.recv_timeout(Duration::from_secs(120)) {
        Ok(()) => {}
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("still compiling after 120 s"),
        Err(e) => panic!("the check failed: {e}"),
    }
}

fn shared_values_agree_in_every_engine() {
    let limits = Limits {
        time: Some(Duration::from_secs(60)),
        ..Limits::default()
    };
    let lines = "x = x * x + x\n".repeat(60);
    let sources = [
        format!("fn f(x) {{\n{lines}x\n}}"),
        format!("fn f(x) {{\n{lines}sum(x)\n}}\nfn g(x) = grad(f)(x)"),
        "fn f(x) { for i in 0..60 { x = sin(x) + x * 0.001 }; x }".to_string(),
        "fn h(x) { for i in 0..18 { x = sin(x) + x * 0.001 }; sum(x) }\nfn g(x) = grad(h)(x)"
            .to_string(),
    ];
    let x = vec![0.001, -0.002, 0.003, 0.0005, 0.01];
    for src in &sources {
        let function = if src.contains("fn g") { "g" } else { "f" };
        let results: Vec<arrjit::Array> = ENGINES
            .iter()
            .map(|&mode| {
                let f = compile_with(
                    src,
                    Options {
                        mode,
                        limits: limits.clone(),
                        function: Some(function.into()),
                        ..Options::default()
                    },
                )
                .unwrap();
                f.call(&[&x])
                    .unwrap_or_else(|e| panic!("{mode:?}: {e}\n{src}"))
            })
            .collect();
        let reference = results[2].as_slice::<f64>().unwrap();
        assert!(reference.iter().all(|v| v.is_finite() && *v != 0.0));
        for (mode, got) in ENGINES.iter().zip(&results) {
            for (a, b) in got.as_slice::<f64>().unwrap().iter().zip(reference) {
                assert!(
                    (a - b).abs() <= 1e-12 * b.abs(),
                    "{mode:?}: {a} vs {b}\n{src}"
                );
            }
        }
    }
}

/// Calls of distinct functions nest up to 256 deep, and lowering that deep fits the stack of
/// an ordinary thread (2 MiB, Rust's default for spawned threads): an embedder need not give
/// its threads more. One level deeper is a located error.
#[test]
fn calls_nest_256_deep_on_a_default_thread_stack() {
    let chain = |n: usize| {
        let mut src = String::from("fn f0(x) = x + 1\n");
        for i in 1..n {
            src += &format!("fn f{i}(x) = f{}(x) * 1.001\n", i - 1);
        }
        src + &format!("fn main(x) = f{}(x)\n", n - 1)
    };
    let deepest = chain(255);
    let too_deep = chain(256);
    std::thread::spawn(move || {
        for mode in ENGINES {
            let options = |mode| Options {
                mode,
                function: Some("main".into()),
                ..Options::default()
            };
            let f = compile_with(&deepest, options(mode)).unwrap();
            let y = f.call(&[&vec![0.0]]).unwrap();
            let want = 1.001f64.powi(254);
            assert!(
                (y.as_slice::<f64>().unwrap()[0] - want).abs() < 1e-9,
                "{mode:?}"
            );
            let err = compile_with(&too_deep, options(mode))
                .unwrap()
                .call(&[&vec![0.0]])
                .unwrap_err()
                .to_string();
            assert!(err.contains("calls nest more than 256 deep"), "{err}");
        }
    })
    .join()
    .unwrap();
}
