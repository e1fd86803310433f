//! Golden tests of the parser, driven by the files under `tests/data/parse/`:
//!
//! - `ok/NAME.arr` must parse without diagnostics; `ok/NAME.ast` holds its printed AST.
//! - `err/NAME.arr` must produce at least one diagnostic; `err/NAME.diag` holds them as
//!   `arr` prints them, and `err/NAME.ast` the tree the parser recovered.
//!
//! Also, every `.arr` file under `grammar/` and `examples/` must parse without diagnostics.
//! Refresh the goldens with `UPDATE_EXPECT=1 cargo test --test parse`, then review the diff.

mod common;

use arrjit::diag;
use arrjit::syntax::{parse, print};
use common::{files_with_extension, files_with_extension_recursive, golden_mismatch, project_path};
use std::path::Path;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn base_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Panics listing every failure, after checking all files.
fn report(failures: Vec<String>, checked: usize) {
    assert!(checked > 0, "no test files found");
    assert!(
        failures.is_empty(),
        "{} of {checked} files failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn ok_cases_parse_cleanly_and_match_their_ast() {
    let files = files_with_extension(&project_path("tests/data/parse/ok"), "arr");
    let mut failures = Vec::new();
    for path in &files {
        let src = read(path);
        let (program, diags) = parse(&src);
        if !diags.is_empty() {
            failures.push(format!(
                "{} has diagnostics:\n{}",
                path.display(),
                diag::render(&base_name(path), &src, &diags)
            ));
            continue;
        }
        let printed = print::program(&program);
        failures.extend(golden_mismatch(&path.with_extension("ast"), &printed));
    }
    report(failures, files.len());
}

#[test]
fn err_cases_report_errors_and_match_their_goldens() {
    let files = files_with_extension(&project_path("tests/data/parse/err"), "arr");
    let mut failures = Vec::new();
    for path in &files {
        let src = read(path);
        let (program, diags) = parse(&src);
        if diags.is_empty() {
            failures.push(format!("{} parsed without diagnostics", path.display()));
            continue;
        }
        let rendered = diag::render(&base_name(path), &src, &diags);
        failures.extend(golden_mismatch(&path.with_extension("diag"), &rendered));
        let printed = print::program(&program);
        failures.extend(golden_mismatch(&path.with_extension("ast"), &printed));
    }
    report(failures, files.len());
}

#[test]
fn grammar_and_example_scripts_parse_cleanly() {
    let mut files = files_with_extension_recursive(&project_path("grammar"), "arr");
    assert!(!files.is_empty(), "grammar/ has no .arr examples");
    files.extend(files_with_extension_recursive(
        &project_path("examples"),
        "arr",
    ));
    let mut failures = Vec::new();
    for path in &files {
        let src = read(path);
        let (_, diags) = parse(&src);
        if !diags.is_empty() {
            failures.push(diag::render(&base_name(path), &src, &diags));
        }
    }
    report(failures, files.len());
}
