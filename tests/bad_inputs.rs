//! Hostile and broken inputs: `arr run` on every script in `tests/data/bad` must end, with exit
//! status 1 and one located message that says what is wrong, or (for the `valid_*` scripts)
//! run cleanly. Never a panic, a signal or a hang. `tests/data/bad/README.md` says what is
//! wrong with each file; the table below says what `arr` must answer.

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;
use std::process::{ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

const DIR: &str = "tests/data/bad";

/// How long one run may take before it counts as a hang.
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// What `arr run` must do with a script.
enum Expect {
    /// Exit 1; the first line of stderr is `FILE:LINE:COL: error: …`, at `at` (`"LINE:COL"`),
    /// and contains `says`.
    Error {
        at: &'static str,
        says: &'static str,
    },
    /// Exit 0 with nothing in stderr.
    Runs,
}

use Expect::{Error, Runs};

const fn err(at: &'static str, says: &'static str) -> Expect {
    Error { at, says }
}

/// Every script in the folder, and what it must report: the position of the problem and the
/// words that name it.
const CASES: &[(&str, Expect)] = &[
    // Not text, or text the lexer does not accept.
    (
        "garbage_random_bytes.arr",
        err("1:2", "not valid UTF-8 text: byte 0xE9 at offset 1"),
    ),
    (
        "garbage_after_code.arr",
        err("3:1", "not valid UTF-8 text: byte 0xA7 at offset 23"),
    ),
    (
        "nul_bytes.arr",
        err("1:6", "unexpected characters `\\0\\0\\0`"),
    ),
    (
        "only_nul_bytes.arr",
        err("1:1", "64 unexpected characters `\\0"),
    ),
    (
        "invalid_utf8_latin1.arr",
        err("2:9", "not valid UTF-8 text: byte 0xE9"),
    ),
    (
        "lone_surrogate.arr",
        err("1:10", "not valid UTF-8 text: byte 0xED"),
    ),
    (
        "overlong_utf8.arr",
        err("2:1", "not valid UTF-8 text: byte 0xC0"),
    ),
    ("utf8_bom.arr", err("2:9", "unknown name `undefined_name`")),
    (
        "bom_in_the_middle.arr",
        err("2:7", "unexpected character `\\u{feff}`"),
    ),
    (
        "cr_only_line_ends.arr",
        err("1:6", "carriage return without a line feed"),
    ),
    (
        "crlf_line_ends.arr",
        err("2:9", "unknown name `undefined_name`"),
    ),
    (
        "tab_indent.arr",
        err("2:11", "unknown name `undefined_name`"),
    ),
    (
        "control_characters.arr",
        err("2:1", "unexpected character `\\u{1b}`"),
    ),
    (
        "bidi_override.arr",
        err("2:7", "unexpected character `\\u{202e}`"),
    ),
    ("non_ascii_name.arr", err("1:3", "unexpected character `ï`")),
    (
        "fullwidth_operator.arr",
        err("1:7", "unexpected character `＋`"),
    ),
    // Valid, however odd.
    ("valid_empty.arr", Runs),
    ("valid_only_comments.arr", Runs),
    ("valid_only_bom.arr", Runs),
    ("valid_bom_then_code.arr", Runs),
    ("valid_blank_statements.arr", Runs),
    // Shared values: compile time must follow the number of values, not of paths through them.
    ("valid_shared_chain.arr", Runs),
    ("valid_sin_chain.arr", Runs),
    ("valid_shared_loop_in_fn.arr", Runs),
    ("valid_deep_distinct_calls.arr", Runs),
    // Literals.
    (
        "unterminated_string.arr",
        err("1:10", "unterminated string"),
    ),
    (
        "unterminated_string_at_eof.arr",
        err("2:6", "unterminated string"),
    ),
    ("unknown_escape.arr", err("1:12", "unknown escape `\\q`")),
    ("nul_escape.arr", err("1:12", "unknown escape `\\0`")),
    (
        "huge_int_literal.arr",
        err("1:5", "integer literal too large for i64"),
    ),
    (
        "huge_float_literal.arr",
        err("1:15", "float literal too large"),
    ),
    (
        "huge_float_digits.arr",
        err("1:5", "float literal too large"),
    ),
    ("huge_imag_literal.arr", err("1:9", "literal too large")),
    (
        "hex_literal.arr",
        err("1:5", "malformed number literal `0x1f`"),
    ),
    // Nesting: stopped at the parser's limit, where the limit is passed.
    ("deep_parens.arr", err("1:205", "nested too deeply")),
    ("deep_brackets.arr", err("1:205", "nested too deeply")),
    (
        "deep_parens_unclosed.arr",
        err("1:205", "nested too deeply"),
    ),
    ("deep_unary_minus.arr", err("1:205", "nested too deeply")),
    ("deep_not.arr", err("1:805", "nested too deeply")),
    ("deep_power_chain.arr", err("1:505", "nested too deeply")),
    ("long_sum_chain.arr", err("1:801", "nested too deeply")),
    ("deep_calls.arr", err("1:405", "nested too deeply")),
    ("deep_index.arr", err("2:997", "nested too deeply")),
    ("deep_blocks.arr", err("202:15", "blocks nested too deeply")),
    ("unbalanced_closers.arr", err("2:1", "unexpected `}`")),
    // Sizes and numbers too big for the machine.
    ("zeros_trillion.arr", err("1:5", "too large")),
    (
        "shape_product_wraps.arr",
        err("1:5", "(4294967296, 4294967296) and dtype f64 is too large"),
    ),
    (
        "reshape_huge.arr",
        err("1:24", "cannot reshape an array of shape (6,)"),
    ),
    ("negative_size.arr", err("1:11", "negative dimension -5")),
    (
        "negative_in_tuple.arr",
        err("1:10", "negative dimension -1"),
    ),
    (
        "arange_huge.arr",
        err("1:5", "arange would make 9.999999999999999e35 elements"),
    ),
    ("arange_step_zero.arr", err("1:5", "step cannot be zero")),
    (
        "arange_infinite.arr",
        err("1:5", "arange would make inf elements"),
    ),
    (
        "linspace_negative.arr",
        err("1:20", "must be non-negative, got -3"),
    ),
    ("eye_negative.arr", err("1:5", "non-negative")),
    (
        "huge_exponent_then_error.arr",
        err("6:9", "index 4 is out of bounds"),
    ),
    (
        "loop_huge_range_error.arr",
        err("2:30", "unknown name `undefined_name`"),
    ),
    (
        "axis_i64_min.arr",
        err("1:23", "axis -9223372036854775808 is out of bounds"),
    ),
    (
        "index_i64_min.arr",
        err("2:9", "index -9223372036854775808 is out of bounds"),
    ),
    (
        "index_out_of_range_2d.arr",
        err("2:12", "index 3 is out of bounds for axis 1"),
    ),
    (
        "tuple_index_out_of_range.arr",
        err("2:9", "index 5 is out of bounds for a tuple"),
    ),
    // Wrong arguments, shapes that do not fit.
    (
        "string_as_size.arr",
        err(
            "1:11",
            "expected an integer for a dimension, found a string",
        ),
    ),
    (
        "tuple_as_array.arr",
        err("1:9", "expected an array, found a tuple"),
    ),
    (
        "function_as_array.arr",
        err("2:5", "expected an array, found a function"),
    ),
    (
        "too_many_arguments.arr",
        err("1:24", "takes 4 positional arguments"),
    ),
    (
        "argument_given_twice.arr",
        err("1:14", "`shape` of `zeros` is given twice"),
    ),
    (
        "where_shape_mismatch.arr",
        err("1:5", "(2,) and (3,) cannot be broadcast"),
    ),
    (
        "matmul_vectors_mismatch.arr",
        err("1:5", "inner dimensions 3 and 4 differ"),
    ),
    (
        "broadcast_to_smaller.arr",
        err("1:5", "(3,) and (2, 4) cannot be broadcast"),
    ),
    (
        "concat_rank_mismatch.arr",
        err("1:5", "shapes (3,) and (2, 3) differ"),
    ),
    (
        "ragged_array_literal.arr",
        err("1:14", "differ in shape: (2,) and (1,)"),
    ),
    (
        "range_not_integer.arr",
        err("1:13", "expected an integer for a loop bound"),
    ),
    (
        "mutual_recursion.arr",
        err("2:11", "`f` → `g` → `f` call each other"),
    ),
    (
        "nested_too_deep.arr",
        err(
            "45:13",
            "calls nest more than 256 deep (`f299` → … → `f43`)",
        ),
    ),
    (
        "too_many_dims.arr",
        err(
            "1:5",
            "at most 64 dimensions, as in NumPy; this one would have 65",
        ),
    ),
    (
        "grad_of_builtin.arr",
        err("1:10", "functions defined with `fn`"),
    ),
    ("long_unknown_name.arr", err("2:7", "unknown name `aaaa")),
    // load and save.
    (
        "load_nonexistent.arr",
        err("1:10", "\"no_such_file.npy\": No such file"),
    ),
    ("load_directory.arr", err("1:10", "\".\": it is a folder")),
    ("load_script_as_npy.arr", err("1:10", "not a .npy file")),
    ("load_empty_file.arr", err("1:10", "the file is empty")),
    (
        "load_non_string.arr",
        err("1:10", "expected a string for the path"),
    ),
    (
        "load_no_argument.arr",
        err("1:5", "missing its argument `path`"),
    ),
    (
        "load_nul_in_path.arr",
        err("1:10", "cannot load \"bad\\npath.npy\": No such file"),
    ),
    (
        "load_dev_zero.arr",
        err(
            "1:10",
            "cannot load \"/dev/zero\": not a .npy file (bad magic bytes)",
        ),
    ),
    (
        "load_dev_urandom.arr",
        err(
            "1:10",
            "cannot load \"/dev/urandom\": not a .npy file (bad magic bytes)",
        ),
    ),
    (
        "save_nonexistent_dir.arr",
        err("1:6", "the folder \"no/such/dir\" does not exist"),
    ),
    (
        "save_to_directory.arr",
        err("1:6", "cannot save \".\": it is a folder"),
    ),
    (
        "save_over_folder.arr",
        err("1:6", "cannot save \"../bad\": it is a folder"),
    ),
    ("save_empty_path.arr", err("1:6", "the path is empty")),
    (
        "save_non_string.arr",
        err("1:6", "expected a string for the path"),
    ),
    (
        "save_arguments_swapped.arr",
        err("2:6", "expected a string for the path"),
    ),
    (
        "save_tuple.arr",
        err("1:17", "expected an array, found a tuple"),
    ),
    // Broken .npy files.
    ("npy_dtype_u2.arr", err("1:10", "unsupported dtype '<u2'")),
    ("npy_dtype_f2.arr", err("1:10", "unsupported dtype '<f2'")),
    (
        "npy_dtype_object.arr",
        err("1:10", "unsupported dtype '|O'"),
    ),
    (
        "npy_dtype_structured.arr",
        err("1:10", "unsupported dtype '[('a', '<i4'), ('b', '<f8')]'"),
    ),
    (
        "npy_dtype_bytes.arr",
        err("1:10", "unsupported dtype '|S5'"),
    ),
    (
        "npy_dtype_f8_no_order.arr",
        err("1:10", "'|f8': '|' says byte order does not apply"),
    ),
    (
        "npy_big_endian_f16.arr",
        err("1:10", "unsupported dtype '>f16'"),
    ),
    (
        "npy_descr_not_string.arr",
        err("1:10", "unsupported dtype '8'"),
    ),
    ("npy_bad_magic.arr", err("1:10", "bad magic")),
    (
        "npy_version_4.arr",
        err("1:10", "unsupported .npy format version 4.0"),
    ),
    (
        "npy_truncated_preamble.arr",
        err("1:10", "truncated .npy: the header needs 8 bytes"),
    ),
    (
        "npy_truncated_header.arr",
        err("1:10", "truncated .npy: the header needs 128 bytes"),
    ),
    (
        "npy_truncated_data.arr",
        err(
            "1:10",
            "truncated .npy: header says 3 elements (24 bytes) but the file holds 19",
        ),
    ),
    (
        "npy_header_length_past_end.arr",
        err(
            "1:10",
            "truncated .npy: the header needs 60010 bytes but the file holds 152",
        ),
    ),
    (
        "npy_shape_says_more.arr",
        err("1:10", "truncated .npy: header says 10 elements"),
    ),
    (
        "npy_shape_says_fewer.arr",
        err(
            "1:10",
            "corrupt .npy: header says 2 elements (16 bytes) but the file holds 40 bytes of data",
        ),
    ),
    (
        "npy_trailing_garbage.arr",
        err(
            "1:10",
            "corrupt .npy: header says 3 elements (24 bytes) but the file holds 31 bytes of data",
        ),
    ),
    (
        "npy_negative_dim.arr",
        err("1:10", "shape must be a tuple of non-negative integers"),
    ),
    (
        "npy_float_dim.arr",
        err("1:10", "shape must be a tuple of non-negative integers"),
    ),
    (
        "npy_shape_not_tuple.arr",
        err("1:10", "'shape' is [3], not a tuple"),
    ),
    (
        "npy_shape_overflows.arr",
        err("1:10", "shape (4294967296, 4294967296) overflows"),
    ),
    (
        "npy_dim_too_many_digits.arr",
        err("1:10", "dimension 99999999999999999999999999 is too large"),
    ),
    (
        "npy_shape_too_large.arr",
        err(
            "1:5",
            "array of shape (1000000000000,) and dtype f64 is too large (8.0 TB",
        ),
    ),
    (
        "npy_header_not_dict.arr",
        err("1:10", "expected '{' but found '['"),
    ),
    (
        "npy_header_unclosed.arr",
        err("1:10", "the dict is not closed"),
    ),
    ("npy_missing_shape.arr", err("1:10", "missing key 'shape'")),
    (
        "npy_duplicate_key.arr",
        err("1:10", "duplicate key 'shape'"),
    ),
    ("npy_unknown_key.arr", err("1:10", "unexpected key 'extra'")),
    (
        "npy_fortran_not_bool.arr",
        err("1:10", "'fortran_order' is 'yes', not True or False"),
    ),
    (
        "npy_header_nul_bytes.arr",
        err("1:10", "malformed header: expected a quoted key"),
    ),
    (
        "npy_v3_header_not_utf8.arr",
        err("1:10", "version 3.0 header is not valid UTF-8"),
    ),
];

/// What a run of `arr` left: its exit code (`None` for a signal) and its output.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `arr run NAME` in `DIR`, or says why it did not finish.
fn run(name: &str) -> Result<Run, String> {
    run_arr(Path::new(DIR), &["run", name], None)
}

/// What a test writes to the standard input of `arr`.
type Feed = Box<dyn FnOnce(&mut ChildStdin) -> std::io::Result<()> + Send>;

/// Runs `arr ARGS` in `dir`, with `feed` writing its standard input (or none), or says why it
/// did not finish.
fn run_arr(dir: &Path, args: &[&str], feed: Option<Feed>) -> Result<Run, String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_arr"))
        .args(args)
        .current_dir(dir)
        .stdin(if feed.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start arr: {e}"))?;
    if let (Some(feed), Some(mut stdin)) = (feed, child.stdin.take()) {
        // `arr` may stop reading early (that is what some cases check): a broken pipe is no
        // failure here.
        std::thread::spawn(move || {
            let _ = feed(&mut stdin);
        });
    }
    // Drained on threads, so that a child that writes a lot never blocks on a full pipe.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut bytes);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > TIME_LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("still running after {TIME_LIMIT:?}: killed"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("cannot wait for arr: {e}")),
        }
    };
    Ok(Run {
        code: status.code(),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

/// What is wrong with one run, if anything.
fn check(name: &str, expect: &Expect, run: &Run) -> Option<String> {
    let stderr = &run.stderr;
    if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
        return Some(format!("panicked:\n{stderr}"));
    }
    let Some(code) = run.code else {
        return Some(format!("killed by a signal:\n{stderr}"));
    };
    match expect {
        Runs if code == 0 && stderr.is_empty() => None,
        Runs => Some(format!("expected a clean run, got exit {code}:\n{stderr}")),
        Error { at, says } => {
            if code != 1 {
                return Some(format!("expected exit 1, got {code}:\n{stderr}"));
            }
            let first = stderr.lines().next().unwrap_or("");
            let prefix = format!("{name}:{at}: error: ");
            if !first.starts_with(&prefix) {
                return Some(format!(
                    "expected a first line starting {prefix:?}:\n{stderr}"
                ));
            }
            if !first.contains(says) {
                return Some(format!("expected the message to say {says:?}:\n{stderr}"));
            }
            None
        }
    }
}

fn folder_listing() -> BTreeSet<String> {
    std::fs::read_dir(DIR)
        .expect("tests/data/bad exists")
        .map(|e| {
            e.expect("readable entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

#[test]
fn every_bad_input_fails_with_a_located_message() {
    let before = folder_listing();
    let scripts: BTreeSet<&str> = before
        .iter()
        .map(String::as_str)
        .filter(|n| n.ends_with(".arr"))
        .collect();
    let listed: BTreeSet<&str> = CASES.iter().map(|(n, _)| *n).collect();
    assert_eq!(listed.len(), CASES.len(), "a script is listed twice");
    let unlisted: Vec<_> = scripts.difference(&listed).collect();
    let missing: Vec<_> = listed.difference(&scripts).collect();
    assert!(
        unlisted.is_empty() && missing.is_empty(),
        "scripts without an entry in CASES: {unlisted:?}; entries without a script: {missing:?}"
    );
    let failing = CASES
        .iter()
        .filter(|(_, e)| matches!(e, Error { .. }))
        .count();
    assert!(failing >= 45, "only {failing} broken inputs");
    for (name, expect) in CASES {
        let valid = name.starts_with("valid_");
        assert_eq!(
            valid,
            matches!(expect, Runs),
            "{name}: only the `valid_*` scripts may run cleanly"
        );
    }

    let mut failures = Vec::new();
    for (name, expect) in CASES {
        let problem = match run(name) {
            Ok(r) => check(name, expect, &r).map(|p| {
                if r.stdout.is_empty() {
                    p
                } else {
                    format!("{p}\n(stdout: {})", r.stdout)
                }
            }),
            Err(why) => Some(why),
        };
        if let Some(p) = problem {
            failures.push(format!("--- {name}: {p}"));
        }
    }
    let after = folder_listing();
    let written: Vec<_> = after.difference(&before).collect();
    assert!(written.is_empty(), "runs left files in {DIR}: {written:?}");
    assert!(
        failures.is_empty(),
        "{} of {} inputs misbehaved:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn the_table_in_the_readme_lists_every_script() {
    let readme = std::fs::read_to_string(Path::new(DIR).join("README.md")).expect("README.md");
    for (name, _) in CASES {
        assert!(
            readme.contains(&format!("| `{name}` |")),
            "{name} is not in {DIR}/README.md (run make_bad.py)"
        );
    }
}

/// A version 1.0 `.npy` file whose header holds `shape` (f64 elements), followed by `data`.
fn npy_bytes(shape: &str, data: &[u8]) -> Vec<u8> {
    let mut header =
        format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}").into_bytes();
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(b' ');
    }
    header.push(b'\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&u16::try_from(header.len()).unwrap().to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(data);
    out
}

/// Sources that never end, never start, or promise far more than they hold: each run ends
/// within `TIME_LIMIT` with a located message, having read no more than it needed to say
/// what is wrong.
#[test]
fn hostile_sources_end_quickly_with_a_located_message() {
    let scratch = common::scratch("hostile-sources");
    let dir = scratch.path();
    // A FIFO that no process writes to: neither opening it nor reading it may wait for one.
    let made = Command::new("mkfifo").arg(dir.join("fifo.npy")).output();
    assert!(made.is_ok_and(|o| o.status.success()), "mkfifo failed");
    // More dimensions than the 64 that NumPy allows.
    for dims in [65, 10_000] {
        let shape = format!("({})", "1, ".repeat(dims));
        std::fs::write(
            dir.join(format!("dims{dims}.npy")),
            npy_bytes(&shape, &[0; 8]),
        )
        .unwrap();
    }
    let stdin = |bytes: Vec<u8>, zeros: usize| -> Option<Feed> {
        Some(Box::new(move |pipe: &mut ChildStdin| {
            use std::io::Write;
            pipe.write_all(&bytes)?;
            let chunk = vec![0u8; 1 << 20];
            for _ in 0..zeros >> 20 {
                pipe.write_all(&chunk)?;
            }
            Ok(())
        }))
    };
    let two = [1.0f64, 2.0]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect::<Vec<u8>>();
    let cases: Vec<(&str, &[&str], Option<Feed>, &str)> = vec![
        (
            "x = load(\"fifo.npy\")\n",
            &[],
            None,
            "1:10: error: cannot load \"fifo.npy\": nothing to read: no process is writing to \
             this FIFO",
        ),
        (
            "x = load(\"dims65.npy\")\n",
            &[],
            None,
            "1:10: error: cannot load \"dims65.npy\": the shape has 65 dimensions, more than the \
             64 an array may have (as in NumPy)",
        ),
        (
            "x = load(\"dims10000.npy\")\n",
            &[],
            None,
            "1:10: error: cannot load \"dims10000.npy\": the shape has 10000 dimensions",
        ),
        // Pipes whose header declares more than may be loaded, followed by 256 MB: refused on
        // their header, none of the data read.
        (
            "x = load(\"/dev/stdin\")\n",
            &[],
            stdin(npy_bytes("(1000000000000,)", &[]), 256 << 20),
            "1:5: error: array of shape (1000000000000,) and dtype f64 is too large (8.0 TB;",
        ),
        (
            "x = load(\"/dev/stdin\")\n",
            &["--max-elements", "1000"],
            stdin(npy_bytes("(1000000,)", &[]), 256 << 20),
            "1:5: error: array of shape (1000000,) has 1000000 elements; the limit is 1000",
        ),
        (
            "x = load(\"/dev/stdin\")\n",
            &[],
            stdin(npy_bytes("(2,)", &two), 1 << 20),
            "1:10: error: cannot load \"/dev/stdin\": corrupt .npy: header says 2 elements (16 \
             bytes) but more bytes follow them",
        ),
        (
            "x = load(\"/dev/stdin\")\n",
            &[],
            stdin(npy_bytes("(3,)", &two), 0),
            "1:10: error: cannot load \"/dev/stdin\": truncated .npy: header says 3 elements (24 \
             bytes) but the file holds 16 bytes",
        ),
    ];
    let mut failures = Vec::new();
    for (i, (source, flags, feed, want)) in cases.into_iter().enumerate() {
        let name = format!("case{i}.arr");
        std::fs::write(dir.join(&name), source).unwrap();
        let mut args = vec!["run"];
        args.extend_from_slice(flags);
        args.push(&name);
        match run_arr(dir, &args, feed) {
            Ok(r) if r.code == Some(1) && r.stderr.starts_with(&format!("{name}:{want}")) => {}
            Ok(r) => failures.push(format!("{source:?}: exit {:?}\n{}", r.code, r.stderr)),
            Err(why) => failures.push(format!("{source:?}: {why}")),
        }
    }
    // A pipe that holds a whole array reads as a file would.
    std::fs::write(dir.join("good.arr"), "print(load(\"/dev/stdin\"))\n").unwrap();
    match run_arr(dir, &["run", "good.arr"], stdin(npy_bytes("(2,)", &two), 0)) {
        Ok(r) if r.code == Some(0) && r.stdout == "[1. 2.]\n" => {}
        Ok(r) => failures.push(format!(
            "good.arr: exit {:?}\n{}{}",
            r.code, r.stdout, r.stderr
        )),
        Err(why) => failures.push(format!("good.arr: {why}")),
    }
    // A script that never ends.
    match run_arr(dir, &["run", "/dev/zero"], None) {
        Ok(r)
            if r.code == Some(1)
                && r.stderr.starts_with(
                    "arr: error: cannot read \"/dev/zero\": a script may hold at most 64 MiB",
                ) => {}
        Ok(r) => failures.push(format!("run /dev/zero: exit {:?}\n{}", r.code, r.stderr)),
        Err(why) => failures.push(format!("run /dev/zero: {why}")),
    }
    assert!(failures.is_empty(), "{}", failures.join("\n---\n"));
}
