//! Nothing lost: `save` writes a temporary file beside the target and renames it, so a run killed
//! at any moment leaves the old file or the new one, never a truncated one; and a run that fails
//! keeps what it saved before failing. It writes through symbolic links to their targets, keeps
//! a replaced file's permission bits, writes straight into devices and FIFOs instead of
//! replacing them, and refuses a file its user may not write.

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

/// Runs `arr run` on `source`, written to `script.arr` in `dir`, from `dir`.
fn run_in(dir: &Path, source: &str) -> std::process::Output {
    std::fs::write(dir.join("script.arr"), source).unwrap();
    arr()
        .arg("run")
        .arg("script.arr")
        .current_dir(dir)
        .output()
        .unwrap()
}

/// Fails with the run's error output unless it exited with status 0.
fn assert_ran(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn is_link(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

#[test]
fn save_writes_through_symbolic_links() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
    let scratch = common::scratch("links");
    let dir = scratch.path();
    std::fs::create_dir(dir.join("data")).unwrap();
    let old = Array::from_vec(vec![1], vec![-1.0f64]);
    write_npy(&dir.join("data/real.npy"), &old).unwrap();
    std::fs::set_permissions(
        dir.join("data/real.npy"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    // Only root may give a file away; the owner is then kept too.
    let root =
        std::os::unix::fs::chown(dir.join("data/real.npy"), Some(65534), Some(65534)).is_ok();
    // A link to a file in another folder; a chain of two links to it; a dangling link, whose
    // target `save` creates, as NumPy's `open()` would.
    symlink("data/real.npy", dir.join("link.npy")).unwrap();
    symlink("link.npy", dir.join("chain.npy")).unwrap();
    symlink("data/new.npy", dir.join("dangling.npy")).unwrap();
    let out = run_in(
        dir,
        "save(\"link.npy\", [1.0, 2.0])\nsave(\"dangling.npy\", arange(3))\n",
    );
    assert_ran(&out);
    for link in ["link.npy", "chain.npy", "dangling.npy"] {
        assert!(is_link(&dir.join(link)), "{link} is no longer a link");
    }
    assert_eq!(
        read_npy(&dir.join("data/real.npy")).unwrap(),
        Array::from_vec(vec![2], vec![1.0f64, 2.0])
    );
    assert_eq!(
        read_npy(&dir.join("data/new.npy")).unwrap(),
        Array::from_vec(vec![3], vec![0i64, 1, 2])
    );
    let mode = std::fs::metadata(dir.join("data/real.npy"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o7777,
        0o640,
        "the replaced file keeps its permission bits"
    );
    if root {
        let meta = std::fs::metadata(dir.join("data/real.npy")).unwrap();
        assert_eq!(
            (meta.uid(), meta.gid()),
            (65534, 65534),
            "the owner changed"
        );
    }

    let out = run_in(dir, "save(\"chain.npy\", [5.0])\n");
    assert_ran(&out);
    assert!(is_link(&dir.join("chain.npy")) && is_link(&dir.join("link.npy")));
    assert_eq!(
        read_npy(&dir.join("data/real.npy")).unwrap(),
        Array::from_vec(vec![1], vec![5.0f64])
    );
    // The temporary file went beside the target, and is gone.
    assert!(
        others(
            dir,
            &[
                "data",
                "link.npy",
                "chain.npy",
                "dangling.npy",
                "script.arr"
            ]
        )
        .is_empty()
    );
    assert!(others(&dir.join("data"), &["real.npy", "new.npy"]).is_empty());

    // A link into a folder that does not exist says where it points.
    symlink("nowhere/x.npy", dir.join("lost.npy")).unwrap();
    let out = run_in(dir, "save(\"lost.npy\", [1.0])\n");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "script.arr:1:6: error: cannot save \"lost.npy\": the folder \"nowhere\" does not \
             exist (\"lost.npy\" is a link to \"nowhere/x.npy\")"
        ),
        "{stderr}"
    );
    assert!(is_link(&dir.join("lost.npy")));
}

/// Makes a device node with `mknod`, or says why not: only root may. Without it the test is
/// skipped loudly, and under CI (the `CI` variable set) it fails.
fn mknod(path: &Path, kind: &str, major: u32, minor: u32) -> bool {
    let made = Command::new("mknod")
        .arg(path)
        .args([kind, &major.to_string(), &minor.to_string()])
        .output();
    match made {
        Ok(out) if out.status.success() => true,
        other => {
            let why = match other {
                Ok(out) => String::from_utf8_lossy(&out.stderr).into_owned(),
                Err(e) => e.to_string(),
            };
            assert!(
                std::env::var_os("CI").is_none(),
                "this test needs root to make device nodes, and CI runs it as root: mknod: {why}"
            );
            eprintln!("SKIPPED: this test needs root to make device nodes (mknod: {why})");
            false
        }
    }
}

fn mkfifo(path: &Path) {
    let out = Command::new("mkfifo")
        .arg(path)
        .output()
        .expect("mkfifo runs");
    assert!(
        out.status.success(),
        "mkfifo: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn save_writes_into_character_devices_and_never_replaces_them() {
    use std::os::unix::fs::FileTypeExt;
    let char_device = |p: &Path| std::fs::metadata(p).unwrap().file_type().is_char_device();
    let scratch = common::scratch("devices");
    let dir = scratch.path();
    // /dev/null takes the bytes and stays a device.
    let out = run_in(dir, "save(\"/dev/null\", [1.0])\n");
    assert_ran(&out);
    assert!(char_device(Path::new("/dev/null")));
    // /dev/full is full: a located error, and the device stays.
    let out = run_in(dir, "x = [1.0]\nsave(\"/dev/full\", x)\n");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "script.arr:2:6: error: cannot save \"/dev/full\": No space left on device"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("\n2 | save(\"/dev/full\", x)\n  |      ^^^^^^^^^^^"),
        "{stderr}"
    );
    assert!(char_device(Path::new("/dev/full")));
    // A link to a device writes into the device.
    std::os::unix::fs::symlink("/dev/null", dir.join("null.npy")).unwrap();
    let out = run_in(dir, "save(\"null.npy\", [1.0])\n");
    assert_ran(&out);
    assert!(is_link(&dir.join("null.npy")));

    // The reported case: a device node of one's own, `mknod mynull c 1 3`.
    if mknod(&dir.join("mynull"), "c", 1, 3) {
        let out = run_in(dir, "save(\"mynull\", [1.0])\n");
        assert_ran(&out);
        assert!(char_device(&dir.join("mynull")), "mynull was replaced");
    }
    // A block device is a disk: refused, untouched (never even opened).
    if mknod(&dir.join("myblock"), "b", 7, 200) {
        let out = run_in(dir, "save(\"myblock\", [1.0])\n");
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with(
                "script.arr:1:6: error: cannot save \"myblock\": it is a block device"
            ),
            "{stderr}"
        );
        let meta = std::fs::metadata(dir.join("myblock")).unwrap();
        assert!(meta.file_type().is_block_device(), "myblock was replaced");
    }
}

#[test]
fn save_into_a_fifo_needs_a_reader_and_keeps_the_fifo() {
    use std::io::Read;
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let scratch = common::scratch("fifo");
    let dir = scratch.path();
    let fifo = dir.join("pipe.npy");
    mkfifo(&fifo);
    let is_fifo = || std::fs::metadata(&fifo).unwrap().file_type().is_fifo();
    // No reader: an error at once, where waiting for one would hang the run.
    let out = run_in(dir, "save(\"pipe.npy\", [1.0])\n");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "script.arr:1:6: error: cannot save \"pipe.npy\": it is a FIFO that no process has \
             open for reading"
        ),
        "{stderr}"
    );
    assert!(is_fifo());
    // With a reader (opened without waiting for a writer), the reader gets the array's bytes.
    // They fit in the pipe's buffer, so the run ends before anything is read.
    let mut reader = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    let out = run_in(dir, "save(\"pipe.npy\", [1.0, 2.0])\n");
    assert_ran(&out);
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).unwrap();
    assert_eq!(
        arrjit_runtime::read_npy_bytes(&bytes).unwrap(),
        Array::from_vec(vec![2], vec![1.0f64, 2.0])
    );
    assert!(is_fifo());
    assert!(others(dir, &["pipe.npy", "script.arr"]).is_empty());
}

#[test]
fn save_refuses_a_file_its_user_may_not_write() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::os::unix::process::CommandExt;
    let scratch = common::scratch("read-only");
    let dir = scratch.path();
    let old = Array::from_vec(vec![1], vec![-1.0f64]);
    write_npy(&dir.join("ro.npy"), &old).unwrap();
    let mode = |m| std::fs::Permissions::from_mode(m);
    std::fs::set_permissions(dir.join("ro.npy"), mode(0o444)).unwrap();
    std::fs::write(dir.join("script.arr"), "save(\"ro.npy\", [1.0])\n").unwrap();
    let mut cmd = arr();
    // Root may write any file: run as `nobody` then, from a copy of `arr` that it may run,
    // in a folder where it may create files (so that only the file's mode stands in the way).
    if std::fs::metadata("/proc/self").unwrap().uid() == 0 {
        let copy = dir.join("arr");
        std::fs::copy(env!("CARGO_BIN_EXE_arr"), &copy).unwrap();
        std::fs::set_permissions(dir, mode(0o777)).unwrap();
        cmd = Command::new(&copy);
        cmd.uid(65534).gid(65534);
    }
    let out = cmd
        .args(["run", "script.arr"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("script.arr:1:6: error: cannot save \"ro.npy\": Permission denied"),
        "{stderr}"
    );
    assert_eq!(read_npy(&dir.join("ro.npy")).unwrap(), old);
    assert!(others(dir, &["ro.npy", "script.arr", "arr"]).is_empty());
}
