//! The comparison suite's scripts (`benches/suite/*.arr`, run by `benches/suite/run.py`) stay
//! valid programs with bench blocks, whose names are unique across the suite (the runner merges
//! arr's and the peers' results by name). Nothing is timed.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

#[test]
fn suite_scripts_check_and_name_their_benches_once() {
    let mut scripts: Vec<PathBuf> = std::fs::read_dir("benches/suite")
        .expect("benches/suite exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "arr"))
        .collect();
    scripts.sort();
    assert!(scripts.len() >= 5, "{scripts:?}");
    let mut names = BTreeSet::new();
    for path in scripts {
        let p = path.to_str().unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_arr"))
            .args(["check", p])
            .output()
            .expect("the arr binary runs");
        assert!(
            out.status.success(),
            "{p}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let source = std::fs::read_to_string(&path).unwrap();
        let blocks: Vec<&str> = source
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix("bench \""))
            .map(|rest| rest.split('"').next().unwrap())
            .collect();
        assert!(!blocks.is_empty(), "{p} has no bench block");
        for name in blocks {
            assert!(
                names.insert(name.to_string()),
                "{p}: `{name}` is named twice"
            );
        }
    }
}
