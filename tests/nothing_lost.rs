//! Nothing lost: `save` writes a temporary file beside the target and renames it, so a run killed
//! at any moment leaves the old file or the new one, never a truncated one; and a run that fails
//! keeps what it saved before failing.

mod common;

use arrjit::Array;
use arrjit_runtime::npy::{read_npy, write_npy};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn arr() -> Command {
    Command::new(env!("CARGO_BIN_EXE_arr"))
}

/// The files of `dir` other than `keep`.
fn others(dir: &Path, keep: &[&str]) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !keep.contains(&n.as_str()))
        .collect()
}

#[test]
fn a_run_killed_while_saving_leaves_a_whole_file() {
    let scratch = common::scratch("killed");
    let dir = scratch.path();
    // Each turn saves 16 MB over the last file: killed at any time, `out.npy` must read as
    // one of the arrays saved, whole.
    let script = dir.join("save_loop.arr");
    std::fs::write(
        &script,
        "for i in 0..1000000 {\n  save(\"out.npy\", full(2000000, i, dtype=f64))\n}\n",
    )
    .unwrap();
    let old = Array::from_vec(vec![3], vec![-1.0f64, -2.0, -3.0]);
    write_npy(&dir.join("out.npy"), &old).unwrap();
    for delay_ms in [30, 90, 170, 260, 400, 650] {
        let mut child = arr()
            .arg("run")
            .arg(&script)
            .current_dir(dir)
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap();
        child.wait().unwrap();
        let a = read_npy(&dir.join("out.npy"))
            .unwrap_or_else(|e| panic!("killed after {delay_ms} ms: {e}"));
        if a != old {
            let v = a.as_slice::<f64>().unwrap();
            assert_eq!(v.len(), 2_000_000, "killed after {delay_ms} ms");
            assert!(
                v.iter().all(|&x| x == v[0]),
                "killed after {delay_ms} ms: mixed turns"
            );
        }
    }
    // Temporary files of killed runs may remain (named `.out.npy.*.tmp`), never a partial
    // `out.npy`.
    for name in others(dir, &["out.npy", "save_loop.arr"]) {
        assert!(
            name.starts_with(".out.npy.") && name.ends_with(".tmp"),
            "{name}"
        );
    }
}

#[test]
fn a_failed_run_keeps_what_it_saved_and_leaves_no_temporary_files() {
    let scratch = common::scratch("failed");
    let dir = scratch.path();
    std::fs::write(
        dir.join("fail.arr"),
        "save(\"a.npy\", [1.0, 2.0])\nsave(\"b.npy\", arange(4))\nx = zeros(10**12)\nsave(\"c.npy\", [3.0])\n",
    )
    .unwrap();
    let old_c = Array::from_vec(vec![1], vec![7.0f64]);
    write_npy(&dir.join("c.npy"), &old_c).unwrap();
    let out = arr()
        .arg("run")
        .arg("fail.arr")
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("fail.arr:3:5: error: array of shape"),
        "{stderr}"
    );
    assert_eq!(
        read_npy(&dir.join("a.npy")).unwrap(),
        Array::from_vec(vec![2], vec![1.0f64, 2.0])
    );
    assert_eq!(
        read_npy(&dir.join("b.npy")).unwrap(),
        Array::from_vec(vec![4], vec![0i64, 1, 2, 3])
    );
    assert_eq!(read_npy(&dir.join("c.npy")).unwrap(), old_c);
    assert!(others(dir, &["a.npy", "b.npy", "c.npy", "fail.arr"]).is_empty());

    // A save that fails (the target is a folder) leaves the folder and everything else as
    // they were.
    std::fs::create_dir(dir.join("d.npy")).unwrap();
    std::fs::write(dir.join("bad_save.arr"), "save(\"d.npy\", [1.0])\n").unwrap();
    let out = arr()
        .arg("run")
        .arg("bad_save.arr")
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(dir.join("d.npy").is_dir());
    let rest = others(
        dir,
        &[
            "a.npy",
            "b.npy",
            "c.npy",
            "d.npy",
            "fail.arr",
            "bad_save.arr",
        ],
    );
    assert!(rest.is_empty(), "{rest:?}");
}
