//! Golden diagnostics: every `tests/data/diag/*.arr` must fail, and its rendered diagnostics
//! must match the `.diag` file beside it (refresh with `UPDATE_EXPECT=1`).
//!
//! A script runs in check mode unless its first line is `# mode: run`.

mod common;

use arrjit::diag;
use arrjit::lower::{self, Mode};
use arrjit::syntax;
use std::path::Path;

/// Parses and runs a script the way `arr` does, returning the rendered diagnostics.
fn diagnose(name: &str, source: &str) -> String {
    let (program, diags) = syntax::parse(source);
    if !diags.is_empty() {
        return diag::render(name, source, &diags);
    }
    let mode = if source.starts_with("# mode: run") {
        Mode::Run
    } else {
        Mode::Check
    };
    let mut sink = Vec::new();
    match lower::run(&program, source, mode, &mut sink) {
        Ok(_) => String::new(),
        Err(diags) => diag::render(name, source, &diags),
    }
}

#[test]
fn diagnostics_match_goldens() {
    let dir = Path::new("tests/data/diag");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("tests/data/diag exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "arr"))
        .collect();
    files.sort();
    assert!(files.len() >= 15, "expected at least 15 diagnostic cases");
    for path in files {
        let source = std::fs::read_to_string(&path).expect("readable case");
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let rendered = diagnose(&name, &source);
        assert!(!rendered.is_empty(), "{name}: expected an error, got none");
        assert!(
            rendered.starts_with(&format!("{name}:")) && rendered.contains(": error: "),
            "{name}: not in FILE:LINE:COL: error: form:\n{rendered}"
        );
        common::check_golden(&path.with_extension("diag"), &rendered);
    }
}
