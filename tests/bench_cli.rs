//! `arr bench` end to end: JSON and SVG outputs are well formed, and user errors exit 1 with a
//! clear message. Wall-clock times are never asserted on, only their consistency.

mod common;
use std::path::PathBuf;
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

/// Writes `source` to a script named `name` in `dir` and returns its path.
fn script(dir: &tempfile::TempDir, name: &str, source: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, source).expect("script written");
    path
}

const TINY: &str = "\
a = rand(64, seed=1)
b = rand(64, seed=2) + 0.5
print(\"before\", sum(a) > 0)
bench \"chain\" {
    y = sin(a) * b + a * a / (1 + b)
    print(\"inside\", sum(y) > 0)
}
bench \"reduce\" { s = sum((a * b) ** 2) }
print(\"after\", sum(y) > 0, s > 0)
";

#[test]
fn json_reports_every_block_in_every_mode() {
    let dir = common::scratch("bench-cli");
    let path = script(&dir, "tiny.arr", TINY);
    let out = arr(&["bench", "--json", "--repeats", "3", path.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout holds only JSON");
    let benches = report["benches"].as_array().expect("a list of benches");
    let keys: Vec<(&str, &str)> = benches
        .iter()
        .map(|b| (b["name"].as_str().unwrap(), b["mode"].as_str().unwrap()))
        .collect();
    assert_eq!(
        keys,
        [
            ("chain", "fused"),
            ("chain", "unfused"),
            ("chain", "interp"),
            ("reduce", "fused"),
            ("reduce", "unfused"),
            ("reduce", "interp"),
        ]
    );
    for b in benches {
        assert_eq!(b["device"], "cpu", "{b}");
        assert!(b["runs"].as_u64().unwrap() >= 3, "{b}");
        let (median, min) = (
            b["median_s"].as_f64().unwrap(),
            b["min_s"].as_f64().unwrap(),
        );
        let compile = b["compile_s"].as_f64().unwrap();
        assert!(median >= min && min >= 0.0, "{b}");
        assert!(compile >= 0.0, "{b}");
        if b["mode"] == "interp" {
            assert_eq!(compile, 0.0, "{b}");
        }
    }
    // The first block compiles new kernels in the fused mode.
    assert!(
        benches[0]["compile_s"].as_f64().unwrap() > 0.0,
        "{}",
        benches[0]
    );
    // The script's own output goes to stderr, once per statement; and nothing else: the
    // progress bar shows only on a terminal.
    assert_eq!(stderr, "before True\ninside True\nafter True True\n");
}

#[test]
fn table_restricted_to_some_modes() {
    let dir = common::scratch("bench-cli");
    let path = script(&dir, "modes.arr", TINY);
    let p = path.to_str().unwrap();
    let out = arr(&["bench", "--mode", "interp,fused", "--repeats", "2", p]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{stdout}");
    assert!(
        lines[0].starts_with("bench") && lines[0].contains("median"),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with("chain") && lines[1].contains("interp"),
        "{stdout}"
    );
    // Fused's speedup shows on the other mode's rows.
    assert!(lines[1].trim_end().ends_with('x'), "{stdout}");
    assert!(
        lines[2].contains("fused") && !lines[2].contains("unfused"),
        "{stdout}"
    );
    assert!(lines[3].starts_with("reduce"), "{stdout}");

    // `--mode` given twice means the same as a comma list.
    let out = arr(&[
        "bench",
        "--mode",
        "unfused",
        "--mode",
        "fused",
        "--json",
        "--repeats",
        "1",
        p,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let modes: Vec<&str> = report["benches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["mode"].as_str().unwrap())
        .collect();
    assert_eq!(modes, ["unfused", "fused", "unfused", "fused"]);
}

#[test]
fn plot_writes_an_svg_chart() {
    let dir = common::scratch("bench-cli");
    let path = script(&dir, "plot.arr", TINY);
    let svg_path = path.with_file_name("chart.svg");
    let _ = std::fs::remove_file(&svg_path);
    let out = arr(&[
        "bench",
        "--repeats",
        "1",
        "--plot",
        svg_path.to_str().unwrap(),
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let svg = std::fs::read_to_string(&svg_path).expect("the chart was written");
    assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"), "{svg}");
    assert!(svg.trim_end().ends_with("</svg>"), "{svg}");
    for needle in ["chain", "reduce", "fused", "unfused", "interp"] {
        assert!(svg.contains(needle), "no `{needle}` in the chart");
    }
    // No temporary file is left beside it.
    let leftovers: Vec<_> = std::fs::read_dir(svg_path.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// `--plot` names a file the way `save` does: through a link to its target, and straight into
/// a device.
#[test]
fn plot_writes_through_links_and_into_devices() {
    use std::os::unix::fs::FileTypeExt;
    let dir = common::scratch("bench-cli");
    let path = script(&dir, "plot.arr", TINY);
    std::fs::create_dir(dir.path().join("charts")).unwrap();
    std::fs::write(dir.path().join("charts/chart.svg"), "old").unwrap();
    let link = dir.path().join("chart.svg");
    std::os::unix::fs::symlink("charts/chart.svg", &link).unwrap();
    for plot in [link.to_str().unwrap(), "/dev/null"] {
        let out = arr(&[
            "bench",
            "--repeats",
            "1",
            "--plot",
            plot,
            path.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{plot}: {}", text(&out.stderr));
    }
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let svg = std::fs::read_to_string(dir.path().join("charts/chart.svg")).unwrap();
    assert!(svg.trim_end().ends_with("</svg>"), "{svg}");
    let null = std::fs::metadata("/dev/null").unwrap();
    assert!(null.file_type().is_char_device());
}

#[test]
fn a_script_without_bench_blocks_is_an_error() {
    let dir = common::scratch("bench-cli");
    let path = script(&dir, "none.arr", "a = arange(3)\nprint(a)\n");
    let p = path.to_str().unwrap();
    let out = arr(&["bench", p]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with(&format!("{p}: error: no bench blocks")),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "the script must not run");
}

/// Where CUDA cannot run, `--device cuda` says which part is missing, in one line.
#[test]
fn device_cuda_without_a_gpu_exits_1() {
    if arrjit::backend::cuda::open(arrjit::Device::Cuda).is_ok() {
        eprintln!(
            "skipped: a CUDA device is present (tests/cuda_backend.rs and the GPU script run it)"
        );
        return;
    }
    let dir = common::scratch("bench-cli");
    let path = script(&dir, "nocuda.arr", TINY);
    let out = arr(&["bench", "--device", "cuda", path.to_str().unwrap()]);
    common::assert_cuda_refused(&out);
}

#[test]
fn bad_options_exit_1() {
    let dir = common::scratch("bench-cli");
    let path = script(&dir, "opts.arr", TINY);
    let p = path.to_str().unwrap();
    for (args, needle) in [
        (vec!["--mode", "fast"], "unknown mode `fast`"),
        (vec!["--mode", "fused,nope"], "unknown mode `nope`"),
        (vec!["--device", "tpu"], "unknown device `tpu`"),
        (vec!["--repeats", "0"], "--repeats"),
        (vec!["--min-time", "-1"], "--min-time"),
    ] {
        let mut all = vec!["bench"];
        all.extend(&args);
        all.push(p);
        let out = arr(&all);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.starts_with("arr: error: "), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn errors_in_the_script_are_located_as_in_run() {
    for (name, source) in [
        (
            "before.arr",
            "a = arange(4)\nb = a + c\nbench \"x\" { y = a }\n",
        ),
        (
            "inside.arr",
            "a = arange(4)\nbench \"x\" {\n    y = a + arange(3)\n}\n",
        ),
    ] {
        let dir = common::scratch("bench-cli");
        let path = script(&dir, name, source);
        let p = path.to_str().unwrap();
        let bench = arr(&["bench", "--repeats", "1", p]);
        let run = arr(&["run", p]);
        let stderr = text(&bench.stderr);
        assert_eq!(bench.status.code(), Some(1), "{stderr}");
        assert!(stderr.starts_with(&format!("{p}:")), "{stderr}");
        assert!(
            stderr.contains(": error: ") && stderr.contains('^'),
            "{stderr}"
        );
        assert_eq!(stderr, text(&run.stderr), "bench and run report alike");
    }
}

/// The names of a script's bench blocks, in order.
fn bench_names(source: &str) -> Vec<&str> {
    source
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("bench \""))
        .map(|rest| rest.split('"').next().unwrap())
        .collect()
}

/// The scripts directly in `dir`, each checked by `arr check` and holding bench blocks; returns
/// their block names, script by script.
fn checked_bench_scripts(dir: &str, at_least: usize) -> Vec<(String, Vec<String>)> {
    let scripts = common::files_with_extension(std::path::Path::new(dir), "arr");
    assert!(scripts.len() >= at_least, "{dir}: {scripts:?}");
    scripts
        .iter()
        .map(|path| {
            let p = path.to_str().unwrap();
            let out = arr(&["check", p]);
            assert!(out.status.success(), "{p}: {}", text(&out.stderr));
            let source = std::fs::read_to_string(path).unwrap();
            let names: Vec<String> = bench_names(&source).into_iter().map(String::from).collect();
            assert!(!names.is_empty(), "{p} has no bench block");
            (p.to_string(), names)
        })
        .collect()
}

#[test]
fn bench_examples_check_and_have_blocks() {
    checked_bench_scripts("examples/bench", 3);
}

/// The comparison suite's scripts (`benches/suite/*.arr`, run by `benches/suite/run.py`) stay
/// valid programs whose bench names are unique across the suite: the runner merges arr's and
/// the peers' results by name.
#[test]
fn suite_scripts_check_and_name_their_benches_once() {
    let mut seen = std::collections::BTreeSet::new();
    for (script, names) in checked_bench_scripts("benches/suite", 5) {
        for name in names {
            assert!(
                seen.insert(name.clone()),
                "{script}: `{name}` is named twice"
            );
        }
    }
}

/// The GPU suite (`benches/gpu/suite.arr`, which only a machine with a GPU runs, through
/// `benches/gpu/run.sh`) stays a valid program whose bench blocks are exactly the workloads
/// that `benches/gpu/peers_gpu.py` times: `merge.py` pairs the two by name, and a mistake
/// here would only show on the GPU machine.
#[test]
fn gpu_suite_checks_and_names_the_peers_workloads() {
    let path = "benches/gpu/suite.arr";
    let out = arr(&["check", path]);
    assert!(out.status.success(), "{path}: {}", text(&out.stderr));
    let source = std::fs::read_to_string(path).unwrap();
    let mut ours: Vec<&str> = bench_names(&source);
    ours.sort_unstable();
    let list = Command::new("python3")
        .args(["benches/gpu/peers_gpu.py", "--list"])
        .output()
        .expect("python3 runs");
    assert!(list.status.success(), "{}", text(&list.stderr));
    let listed = text(&list.stdout);
    let mut theirs: Vec<&str> = listed
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    theirs.sort_unstable();
    assert!(theirs.len() >= 30, "peers_gpu.py --list: {listed}");
    assert_eq!(
        ours, theirs,
        "the GPU suite's benches and the GPU peers' workloads"
    );
}
