//! The `arr` binary end to end: examples run, user errors exit 1 with a located message, and
//! no input makes it panic.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn arr(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_arr"))
        .args(args)
        .output()
        .expect("the arr binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn files_with_ext(dir: &str, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("folder exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

#[test]
fn every_example_runs() {
    let examples = files_with_ext("examples", "arr");
    assert!(examples.len() >= 5, "expected at least five examples");
    for path in examples {
        for mode in ["fused", "unfused", "interp"] {
            let out = arr(&["run", "--mode", mode, path.to_str().unwrap()]);
            let stderr = text(&out.stderr);
            assert!(
                out.status.success(),
                "{} ({mode}): {stderr}",
                path.display()
            );
            assert!(!out.stdout.is_empty(), "{} printed nothing", path.display());
            assert!(stderr.is_empty(), "{} ({mode}): {stderr}", path.display());
        }
        let check = arr(&["check", path.to_str().unwrap()]);
        assert!(check.status.success(), "check {}", path.display());
        assert!(check.stdout.is_empty(), "check prints nothing");
    }
}

#[test]
fn quickstart_prints_known_values() {
    let out = arr(&["run", "examples/quickstart.arr"]);
    let stdout = text(&out.stdout);
    // Computed by hand: column sums of arange(12) as 3x4, and rows minus their means.
    assert!(stdout.contains("column sums: [12 15 18 21]"), "{stdout}");
    assert!(stdout.contains("[[-1.5 -0.5  0.5  1.5]"), "{stdout}");
    assert!(stdout.contains("max |z - y|: 0.0"), "{stdout}");
}

#[test]
fn user_errors_exit_1_with_location() {
    for path in files_with_ext("tests/data/diag", "arr") {
        let p = path.to_str().unwrap();
        let source = std::fs::read_to_string(&path).unwrap();
        let cmd = if source.starts_with("# mode: run") {
            "run"
        } else {
            "check"
        };
        let out = arr(&[cmd, p]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{p}: {stderr}");
        assert!(stderr.starts_with(&format!("{p}:")), "{p}: {stderr}");
        assert!(
            stderr.contains(": error: ") && stderr.contains('^'),
            "{stderr}"
        );
        assert!(!stderr.contains("internal error"), "{p} panicked: {stderr}");
    }
}

#[test]
fn run_stops_at_first_error_but_check_reports_all() {
    let p = "tests/data/diag/several_errors_reported.arr";
    let run = text(&arr(&["run", p]).stderr);
    let check = text(&arr(&["check", p]).stderr);
    assert_eq!(run.matches(": error: ").count(), 1, "{run}");
    assert_eq!(check.matches(": error: ").count(), 3, "{check}");
}

#[test]
fn missing_file_is_a_clean_error() {
    let out = arr(&["run", "no/such/file.arr"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).starts_with("arr: error: cannot read \"no/such/file.arr\""));
}

#[test]
fn hostile_bytes_never_panic() {
    let scratch = common::scratch("cli-hostile");
    let dir = scratch.path();
    let mut inputs: Vec<Vec<u8>> = vec![
        vec![0xff, 0xfe, 0x00, 0x41],
        b"x = 1\n\xc3\x28 = 2\n".to_vec(),
        b"\"unterminated".to_vec(),
        "(".repeat(10_000).into_bytes(),
        "[".repeat(5_000).into_bytes(),
        format!("x = {}", "-".repeat(10_000)).into_bytes(),
        b"x = 99999999999999999999999999".to_vec(),
        b"x = 1e999".to_vec(),
        b"fn f(x) = f(x)\ny = f(1)".to_vec(),
    ];
    // Deterministic pseudo-random garbage.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for len in [1, 7, 64, 500] {
        let mut bytes = Vec::with_capacity(len);
        for _ in 0..len {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            bytes.push((state >> 24) as u8);
        }
        inputs.push(bytes);
    }
    for (i, bytes) in inputs.iter().enumerate() {
        let path = dir.join(format!("case{i}.arr"));
        std::fs::write(&path, bytes).unwrap();
        for cmd in ["run", "check", "ir", "bench"] {
            let out = arr(&[cmd, path.to_str().unwrap()]);
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "case {i} ({cmd}): {stderr}");
            assert!(stderr.contains(": error: "), "case {i} ({cmd}): {stderr}");
            assert!(
                !stderr.contains("internal error"),
                "case {i} ({cmd}): {stderr}"
            );
        }
    }
}

#[test]
fn npy_written_by_arr_matches_numpy_bytes() {
    // tests/data/npy holds files written by NumPy; arr must write the same bytes for the same
    // array, so NumPy reads ours back with the same values.
    let scratch = common::scratch("cli-npy");
    let dir = scratch.path();
    for name in [
        "f8_1d", "f8_2d", "f8_0d", "f4_1d", "i4_1d", "i4_3d", "i8_0d", "c16_1d", "c8_1d", "bool_1d",
    ] {
        let fixture = format!("tests/data/npy/{name}.npy");
        assert!(Path::new(&fixture).exists(), "{fixture} is missing");
        let out_path = dir.join(format!("{name}.npy"));
        let script = dir.join(format!("{name}.arr"));
        std::fs::write(
            &script,
            format!(
                "x = load(\"{fixture}\")\nsave(\"{}\", x)\n",
                out_path.display()
            ),
        )
        .unwrap();
        let out = arr(&["run", script.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(
            std::fs::read(&out_path).unwrap(),
            std::fs::read(&fixture).unwrap(),
            "{name}: bytes differ from NumPy's"
        );
    }
}

#[test]
fn ir_output_matches_goldens() {
    for path in files_with_ext("tests/data/ir", "arr") {
        let out = arr(&["ir", path.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        common::check_golden(&path.with_extension("ir"), &text(&out.stdout));
        let out = arr(&["ir", "--stage", "fused", path.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        common::check_golden(&path.with_extension("fused"), &text(&out.stdout));
        let out = arr(&["ir", "--stage", "cuda", path.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        common::check_golden(&path.with_extension("cuda"), &text(&out.stdout));
    }
}

#[test]
fn clif_stage_prints_the_compiled_kernels() {
    let out = arr(&["ir", "--stage", "clif", "tests/data/ir/chain.arr"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    // One fused kernel: a function with the loop's back edge and the chain's arithmetic.
    assert_eq!(stdout.matches("function ").count(), 1, "{stdout}");
    for needle in ["brif", "fmul", "fdiv", "call"] {
        assert!(stdout.contains(needle), "no `{needle}` in:\n{stdout}");
    }
}

/// `arr ir --grad` prints each derivative as readable math; the goldens were read and checked
/// by hand (the values themselves are checked against finite differences in tests/grad.rs).
#[test]
fn readable_derivatives_match_goldens() {
    for path in files_with_ext("tests/data/grad", "arr") {
        let out = arr(&["ir", "--grad", path.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        common::check_golden(&path.with_extension("grad"), &text(&out.stdout));
    }
    let out = arr(&["ir", "--grad", "examples/quickstart.arr"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("differentiates nothing"));
}

/// `--device cuda` where CUDA cannot run (no driver, no device or no NVRTC) is one line and
/// exit status 1, never a panic; where it can, the script runs and prints what it prints on
/// the CPU.
#[test]
fn device_cuda_runs_or_says_what_is_missing() {
    let out = arr(&["run", "--device", "cuda", "tests/data/ir/chain.arr"]);
    if out.status.success() {
        let cpu = arr(&["run", "tests/data/ir/chain.arr"]);
        let (a, b) = (text(&out.stdout), text(&cpu.stdout));
        let (x, y): (f64, f64) = (a.trim().parse().unwrap(), b.trim().parse().unwrap());
        assert!((x - y).abs() <= 1e-9 * y.abs(), "cuda {a} vs cpu {b}");
        return;
    }
    common::assert_cuda_refused(&out);
    let out = arr(&["run", "--device", "cpu", "tests/data/ir/chain.arr"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn run_takes_limits_for_untrusted_scripts() {
    let scratch = common::scratch("cli-limits");
    let dir = scratch.path();
    let script = dir.join("s.arr");
    std::fs::write(
        &script,
        "x = rand(1000, seed=1)\ny = sum(x * x)\nsave(\"y.npy\", y)\nfor i in 0..100000000 { z = x + i }\n",
    )
    .unwrap();
    let s = script.to_str().unwrap();
    // `save` writes beside the script: run from its folder.
    let arr = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_arr"))
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap()
    };
    let cases: [(&[&str], &str); 5] = [
        (&["--no-files"], ":3:1: error: file access is turned off"),
        (
            &["--max-elements", "999"],
            ":1:5: error: array of shape (1000,) has 1000 elements; the limit is 999",
        ),
        (
            &["--max-bytes", "12000"],
            ":2:9: error: the arrays of this run would take 16.0 KB together; the limit is 12.0 KB",
        ),
        (
            &["--max-nodes", "3"],
            ":2:9: error: the program's graph has reached its limit of 3 nodes",
        ),
        (
            &["--no-files", "--time-limit", "0"],
            ":1:1: error: the run went over its time limit of 0 µs",
        ),
    ];
    for (flags, want) in cases {
        let mut args = vec!["run"];
        args.extend_from_slice(flags);
        args.push(s);
        let out = arr(&args);
        assert_eq!(out.status.code(), Some(1), "{flags:?}");
        let err = text(&out.stderr);
        assert!(err.starts_with(s) && err.contains(want), "{flags:?}: {err}");
        assert!(!dir.join("y.npy").exists(), "{flags:?}");
    }
    // The loop's 10^8 turns stop at the time limit.
    let out = arr(&["run", "--time-limit", "0.2", s]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains(":4:1: error: the run went over its time limit of 200 ms"));
    assert!(dir.join("y.npy").exists());
    let out = arr(&["run", "--time-limit", "soon", s]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a usage error, from the argument parser"
    );
}

/// Wherever the time runs out (a loop's turn, a statement of its body, a node of a
/// function's body being built), the error points at the top-level statement that was
/// running: the same place on every run, whatever the machine's speed.
#[test]
fn time_limit_errors_point_at_the_running_statement() {
    let scratch = common::scratch("cli-time-limit");
    let script = scratch.path().join("t.arr");
    std::fs::write(
        &script,
        "x = rand(1000, seed=1)\nfn f(v, i) = sin(v * i) + cos(v - i) * 2\nfor i in 0..100000000 {\n    z = f(x, i) + f(x + 1, i) * f(x, -i)\n}\n",
    )
    .unwrap();
    let s = script.to_str().unwrap();
    for _ in 0..10 {
        let out = arr(&["run", "--time-limit", "0.1", s]);
        assert_eq!(out.status.code(), Some(1));
        let err = text(&out.stderr);
        let want = format!("{s}:3:1: error: the run went over its time limit of 100 ms\n");
        assert!(err.starts_with(&want), "{err}");
    }
}

/// `arr repl` with `home` as its home folder (for the history file), its three streams piped.
fn spawn_repl(home: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_arr"))
        .arg("repl")
        .env("HOME", home)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn repl_runs_lines_and_prints_values_from_a_pipe() {
    use std::io::Write;
    let home = common::scratch("cli-repl");
    let mut child = spawn_repl(home.path());
    let input =
        "x = arange(3)\nx * 2\nfn f(v) {\n  v + 1\n}\nprint(sum(f(x)))\ny = zeros(10**12)\nx\n";
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "[0 2 4]\n6\n[0 1 2]\n");
    let err = text(&out.stderr);
    assert!(
        err.starts_with("<repl>:7:5: error: array of shape (1000000000000,)"),
        "{err}"
    );
}

/// Ctrl-C (SIGINT) while an entry runs stops that entry with a located message; the session,
/// its variables and its history survive, and the next entries run.
#[test]
fn ctrl_c_stops_the_running_repl_entry_and_keeps_the_session() {
    use std::io::{BufRead, Write};
    use std::time::{Duration, Instant};
    let home = common::scratch("cli-repl-interrupt");
    let history = home.path().join(".arr_history");
    let mut child = spawn_repl(home.path());
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    stdin.write_all(b"x = 1\nprint(x)\n").unwrap();
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line, "1\n");
    // A loop of a billion turns: it ends only if the interrupt stops it.
    let endless = "for i in 0..1000000000 { x = x + 1 }";
    stdin.write_all(format!("{endless}\n").as_bytes()).unwrap();
    // The history is written as each entry is read, so once the loop is in it, the entries
    // before it have ended and the loop is running (or about to).
    let start = Instant::now();
    while !std::fs::read_to_string(&history).is_ok_and(|h| h.contains(endless)) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no history written"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(100));
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: `kill` only sends a signal to the child process started above.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    stdin
        .write_all(b"print(x > 1)\ny = x * 0\nprint(y)\n")
        .unwrap();
    drop(stdin);
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("the interrupted entry did not stop");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    assert_eq!(rest, "True\n0\n");
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(err.starts_with("<repl>:3:1: error: interrupted\n"), "{err}");
    let saved = std::fs::read_to_string(&history).unwrap();
    for entry in [
        "x = 1",
        "print(x)",
        endless,
        "print(x > 1)",
        "y = x * 0",
        "print(y)",
    ] {
        assert!(
            saved.lines().any(|l| l == entry),
            "{entry:?} not in {saved:?}"
        );
    }
}
