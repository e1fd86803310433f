"""Writes the hostile inputs in this folder: broken `.arr` scripts and the broken `.npy` files
they load. `tests/bad_inputs.rs` runs `arr run` on every `.arr` file here and says what each
must report; README.md (also written by this script) says what is wrong with each file.

Needs only the Python standard library (the `.npy` files are assembled byte by byte):

    python3 tests/data/bad/make_bad.py

The output is deterministic: running it again rewrites the same bytes.
"""

import random
import struct
from pathlib import Path

OUT = Path(__file__).resolve().parent

# name -> (bytes, what is wrong). Filled in by the helpers below, in README order.
CASES = {}


def case(name, content, why):
    assert name not in CASES, name
    if isinstance(content, str):
        content = content.encode("utf-8")
    CASES[name] = (content, why)


def npy_bytes(header, data=b"", version=(1, 0), magic=b"\x93NUMPY", length=None):
    """A .npy file with `header` (the dict text) padded as NumPy pads it; `length` overrides
    the header length field."""
    header = header.encode("latin-1") if isinstance(header, str) else header
    len_size = 2 if version[0] == 1 else 4
    prefix = len(magic) + 2 + len_size
    total = prefix + len(header) + 1
    header = header + b" " * (-total % 64) + b"\n"
    n = len(header) if length is None else length
    field = struct.pack("<H", n) if len_size == 2 else struct.pack("<I", n)
    return magic + bytes(version) + field + header + data


def f8(*xs):
    return struct.pack(f"<{len(xs)}d", *xs)


def npy_case(name, npy, why, npy_name=None):
    """A script that loads `npy` (written as NAME.npy beside it)."""
    npy_name = npy_name or f"{name}.npy"
    CASES[npy_name] = (npy, None)
    case(f"{name}.arr", f'x = load("{npy_name}")\nprint(x)\n', why)


def dict_text(descr="'<f8'", fortran="False", shape="(3,)"):
    return f"{{'descr': {descr}, 'fortran_order': {fortran}, 'shape': {shape}, }}"


# ---------------------------------------------------------------------------------------------
# Bytes that are not text, or text that is not what the lexer expects.

rng = random.Random(20240601)
case(
    "garbage_random_bytes.arr",
    bytes(rng.randrange(256) for _ in range(512)),
    "512 random bytes: not UTF-8",
)
case(
    "garbage_after_code.arr",
    b"x = arange(3)\nprint(x)\n" + bytes(rng.randrange(128, 256) for _ in range(64)),
    "two good lines, then random high bytes: not UTF-8 on line 3",
)
case("nul_bytes.arr", "x = 1\0\0\0 + 2\nprint(x)\n", "NUL bytes between tokens")
case("only_nul_bytes.arr", b"\0" * 64, "nothing but NUL bytes")
case("invalid_utf8_latin1.arr", b'x = 1\ny = "caf\xe9.npy"\n', "a Latin-1 byte 0xE9 (é) inside a string")
case(
    "lone_surrogate.arr",
    b"x = 1  # \xed\xa0\x80 is an encoded surrogate\n",
    "U+D800 encoded as if it were a character (CESU-8): not UTF-8",
)
case(
    "overlong_utf8.arr",
    b"x = 1\n\xc0\xaf = 2\n",
    "an overlong encoding of `/`: not UTF-8",
)
case(
    "utf8_bom.arr",
    "\ufeffa = 1\nb = a + undefined_name\n",
    "starts with a UTF-8 byte-order mark (skipped), then an unknown name on line 2",
)
case(
    "bom_in_the_middle.arr",
    "a = 1\nb = a \ufeff+ 2\n",
    "a byte-order mark inside a line: not whitespace",
)
case(
    "cr_only_line_ends.arr",
    "a = 1\rb = a + 1\rprint(b)\r",
    "old Mac line ends (CR without LF)",
)
case(
    "crlf_line_ends.arr",
    "a = 1\r\nb = a + undefined_name\r\n",
    "Windows line ends are fine; the unknown name on line 2 is the error",
)
case(
    "tab_indent.arr",
    "a = 1\n\t\tb = a + undefined_name\n",
    "tabs before the error: the column counts each tab as one character",
)
case(
    "control_characters.arr",
    "x = 1\n\x1b[31my = 2\n",
    "an ANSI escape sequence (ESC) in the source",
)
case(
    "bidi_override.arr",
    'x = 1\ny = x \u202e+ 1\n',
    "a right-to-left override character (Trojan Source) between tokens",
)
case("non_ascii_name.arr", "naïve = 1\n", "a letter outside ASCII in a name")
case("fullwidth_operator.arr", "x = 1 ＋ 2\n", "a full-width plus sign")

# Hostile but valid: each must run, print nothing and exit 0.
case("valid_empty.arr", "", "valid: an empty file")
case("valid_only_comments.arr", "# a comment\n\n   # another, indented\n#\n", "valid: nothing but comments")
case("valid_only_bom.arr", "\ufeff", "valid: nothing but a byte-order mark")
case("valid_bom_then_code.arr", "\ufeffx = ones(3)\ny = x + 1\n", "valid: a byte-order mark, then code")
case("valid_blank_statements.arr", ";;;\n\n ; \r\n;\n", "valid: empty statements, blank lines and CRLF")

# ---------------------------------------------------------------------------------------------
# Literals.

case("unterminated_string.arr", 'x = load("data.npy)\n', "a string without its closing quote")
case(
    "unterminated_string_at_eof.arr",
    'x = 1\nsave("out.npy',
    "a string still open at the end of the file (no final line end)",
)
case("unknown_escape.arr", 'x = load("a\\qb.npy")\n', "`\\q` is not an escape")
case("nul_escape.arr", 'x = load("a\\0.npy")\n', "`\\0` is not an escape either")
case(
    "huge_int_literal.arr",
    "x = " + "9" * 400 + "\n",
    "a 400-digit integer literal",
)
case("huge_float_literal.arr", "x = ones(3) * 1e999\n", "1e999 is not a finite f64")
case(
    "huge_float_digits.arr",
    "x = " + "9" * 400 + ".0\n",
    "a 400-digit float literal, past the largest f64",
)
case("huge_imag_literal.arr", "z = 2 + 1e400j\n", "an imaginary literal past the largest f64")
case("hex_literal.arr", "x = 0x1f\n", "hexadecimal is not a literal form")

# ---------------------------------------------------------------------------------------------
# Nesting: the parser must stop at its limit instead of overflowing the stack.

N = 10_000
case("deep_parens.arr", "x = " + "(" * N + "1" + ")" * N + "\n", f"{N} nested parentheses")
case("deep_brackets.arr", "x = " + "[" * N + "1" + "]" * N + "\n", f"{N} nested brackets")
case(
    "deep_parens_unclosed.arr",
    "x = " + "(" * N + "\n",
    f"{N} opening parentheses and no closing ones",
)
case("deep_unary_minus.arr", "x = " + "-" * N + "1\n", f"{N} unary minus signs in a row")
case("deep_not.arr", "x = " + "not " * 1000 + "true\n", "1000 `not`s in a row")
case("deep_power_chain.arr", "x = " + "2 ** " * 1000 + "2\n", "a right-associative `**` chain of 1000")
case("long_sum_chain.arr", "x = " + "1 + " * 1000 + "1\n", "a left-associative `+` chain of 1000")
case("deep_calls.arr", "x = " + "abs(" * 2000 + "1" + ")" * 2000 + "\n", "2000 nested calls")
case(
    "deep_index.arr",
    "a = arange(3)\nx = a" + "[0:3]" * 2000 + "\n",
    "a chain of 2000 postfix slices",
)
case(
    "deep_blocks.arr",
    "x = 0\n" + "for i in 0..1 {\n" * 500 + "x = x + 1\n" + "}\n" * 500,
    "500 nested loop bodies",
)
case("unbalanced_closers.arr", "x = 1\n" + "}" * 2000 + "\n", "2000 `}` with nothing open")

# ---------------------------------------------------------------------------------------------
# Sizes, shapes and numbers too big for the machine.

case("zeros_trillion.arr", "x = zeros(10**12, dtype=i32)\nprint(sum(x))\n", "4 TB of zeros")
case(
    "shape_product_wraps.arr",
    "x = ones((2**32, 2**32))\nprint(x[0, 0])\n",
    "2**32 * 2**32 elements: the element count wraps to 0 in 64 bits",
)
case(
    "reshape_huge.arr",
    "x = reshape(arange(6), (2**40, 2**40))\n",
    "reshape to 2**80 elements",
)
case("negative_size.arr", "x = zeros(-5)\n", "a negative size")
case("negative_in_tuple.arr", "x = rand((3, -1), seed=1)\n", "a negative dimension in a shape tuple")
case("arange_huge.arr", "x = arange(0, 1e18, 1e-18)\n", "arange of 10**36 elements")
case("arange_step_zero.arr", "x = arange(0, 10, 0)\n", "arange with step 0")
case("arange_infinite.arr", "x = arange(0, inf)\n", "arange to infinity")
case("linspace_negative.arr", "x = linspace(0, 1, -3)\n", "linspace with a negative count")
case("eye_negative.arr", "x = eye(-3)\n", "eye with a negative size")
case(
    "huge_exponent_then_error.arr",
    "x = arange(4) ** 10**18\ny = 2.0 ** 10**18\nz = arange(4) ** -(10**18)\n"
    "w = (10**18) ** (10**18)\nprint(x, y, z, w)\nprint(x[4])\n",
    "exponents of 10**18 on arrays and scalars (must finish at once), then an index one past the end",
)
case(
    "loop_huge_range_error.arr",
    "a = ones(3)\nfor i in 0..10**18 { a = a + undefined_name }\n",
    "a loop of 10**18 turns whose body fails on the first",
)
case("axis_i64_min.arr", "x = sum(ones(3), axis=-9223372036854775807 - 1)\n", "the smallest i64 as an axis")
case(
    "index_i64_min.arr",
    "x = arange(5)\nprint(x[-9223372036854775807 - 1])\n",
    "the smallest i64 as an index",
)
case("index_out_of_range_2d.arr", "m = ones((2, 3))\nprint(m[1, 3])\n", "an index one past the last column")
case("tuple_index_out_of_range.arr", "t = (1, 2)\nprint(t[5])\n", "a tuple index past the end")

# ---------------------------------------------------------------------------------------------
# Wrong arguments to builtins, and shapes that do not fit together.

case("string_as_size.arr", 'x = zeros("3")\n', "a string where a size goes")
case("tuple_as_array.arr", "x = sum((1, ones(2)))\n", "a tuple of an integer and an array where an array goes")
case("function_as_array.arr", "fn f(x) = x\ny = f + 1\n", "a function used as a number")
case("too_many_arguments.arr", "x = arange(1, 2, 3, 4, 5)\n", "five positional arguments to arange")
case("argument_given_twice.arr", "x = zeros(3, shape=4)\n", "the shape given by position and again by keyword")
case("where_shape_mismatch.arr", "x = where(ones(2) > 0, ones(3), ones(4))\n", "where on shapes (2,), (3,) and (4,)")
case("matmul_vectors_mismatch.arr", "x = ones(3) @ ones(4)\n", "a dot product of lengths 3 and 4")
case("broadcast_to_smaller.arr", "x = broadcast_to(ones(3), (2, 4))\n", "broadcast (3,) to (2, 4)")
case("concat_rank_mismatch.arr", "x = concat(ones(3), ones((2, 3)))\n", "concat of a vector and a matrix")
case("ragged_array_literal.arr", "x = [[1, 2], [3]]\n", "an array literal with rows of lengths 2 and 1")
case("range_not_integer.arr", "for i in 0..2.5 { print(i) }\n", "a loop range ending at a float")
case(
    "mutual_recursion.arr",
    "fn f(x) = g(x) + 1\nfn g(x) = f(x) * 2\ny = f(1)\n",
    "two functions that call each other forever",
)
case("grad_of_builtin.arr", "d = grad(sin)(1.0)\n", "grad of a builtin instead of a user function")
case(
    "long_unknown_name.arr",
    "a" * 3000 + " = 1\nprint(" + "a" * 2999 + "b)\n",
    "a 3000-character name that is not defined (the suggestion search must stay fast)",
)

# ---------------------------------------------------------------------------------------------
# load and save.

case("load_nonexistent.arr", 'x = load("no_such_file.npy")\n', "a file that does not exist")
case("load_directory.arr", 'x = load(".")\n', "a directory instead of a file")
case("load_script_as_npy.arr", 'x = load("load_script_as_npy.arr")\n', "this script itself, which is not .npy")
case("load_empty_file.arr", 'x = load("empty_file.npy")\n', "a .npy file of zero bytes")
CASES["empty_file.npy"] = (b"", None)
case("load_non_string.arr", "x = load(42)\n", "a number as the path")
case("load_no_argument.arr", "x = load()\n", "no path at all")
case("load_nul_in_path.arr", 'x = load("bad\\npath.npy")\n', "a path with a line feed in it (no such file)")
case("load_dev_zero.arr", 'x = load("/dev/zero")\n', "an endless stream of zero bytes: wrong from its first byte")
case("load_dev_urandom.arr", 'x = load("/dev/urandom")\n', "an endless stream of random bytes")
case("save_nonexistent_dir.arr", 'save("no/such/dir/out.npy", ones(3))\n', "a directory that does not exist")
case("save_to_directory.arr", 'save(".", ones(3))\n', "a directory as the file name")
case("save_empty_path.arr", 'save("", ones(3))\n', "an empty path")
case("save_non_string.arr", "save(42, ones(3))\n", "a number as the path")
case("save_arguments_swapped.arr", 'x = ones(3)\nsave(x, "out.npy")\n', "the array first and the path second")
case(
    "save_over_folder.arr",
    'save("../bad", ones(3))\n',
    "an existing folder (this one) as the file name",
)
case("save_tuple.arr", 'save("out.npy", (1, 2))\n', "a tuple instead of an array")

GOOD = "'descr': '<f8', 'fortran_order': False, 'shape': (3,), "
npy_case("npy_dtype_u2.arr"[:-4], npy_bytes(dict_text("'<u2'"), b"\0" * 6), "dtype `<u2` (uint16), which we do not support")
npy_case("npy_dtype_f2", npy_bytes(dict_text("'<f2'"), b"\0" * 6), "dtype `<f2` (float16)")
npy_case("npy_dtype_object", npy_bytes(dict_text("'|O'"), b"\0" * 24), "dtype `|O` (Python objects, pickled)")
npy_case(
    "npy_dtype_structured",
    npy_bytes(dict_text("[('a', '<i4'), ('b', '<f8')]"), b"\0" * 36),
    "a structured dtype (a list of fields)",
)
npy_case("npy_dtype_bytes", npy_bytes(dict_text("'|S5'"), b"hello" * 3), "dtype `|S5` (byte strings)")
npy_case("npy_dtype_f8_no_order", npy_bytes(dict_text("'|f8'"), f8(1, 2, 3)), "`|f8`: an 8-byte float that claims byte order does not apply")
npy_case("npy_big_endian_f16", npy_bytes(dict_text("'>f16'"), b"\0" * 48), "big-endian quad precision `>f16`")
npy_case("npy_descr_not_string", npy_bytes(dict_text("8"), f8(1, 2, 3)), "`descr` is a number")
npy_case("npy_bad_magic", npy_bytes(dict_text(), f8(1, 2, 3), magic=b"\x93NUMPX"), "the magic string is wrong in its last byte")
npy_case("npy_version_4", npy_bytes(dict_text(), f8(1, 2, 3), version=(4, 0)), "format version 4.0")
npy_case("npy_truncated_preamble", b"\x93NUMPY\x01", "the file ends inside the version bytes")
npy_case(
    "npy_truncated_header",
    npy_bytes(dict_text(), f8(1, 2, 3))[:40],
    "the file ends inside the header dict",
)
npy_case("npy_truncated_data", npy_bytes(dict_text(), f8(1, 2, 3))[:-5], "the last element is cut short by 5 bytes")
npy_case(
    "npy_header_length_past_end",
    npy_bytes(dict_text(), f8(1, 2, 3), length=60000),
    "the header length field says 60000 bytes in a 152-byte file",
)
npy_case("npy_shape_says_more", npy_bytes(dict_text(shape="(10,)"), f8(1, 2, 3)), "the shape says 10 elements, the data holds 3")
npy_case("npy_shape_says_fewer", npy_bytes(dict_text(shape="(2,)"), f8(1, 2, 3, 4, 5)), "the shape says 2 elements, the data holds 5")
npy_case("npy_trailing_garbage", npy_bytes(dict_text(), f8(1, 2, 3) + b"GARBAGE"), "7 bytes of junk after the data")
npy_case("npy_negative_dim", npy_bytes(dict_text(shape="(-3,)"), f8(1, 2, 3)), "a negative dimension in the shape")
npy_case("npy_float_dim", npy_bytes(dict_text(shape="(2.5,)"), f8(1, 2, 3)), "a non-integer dimension in the shape")
npy_case("npy_shape_not_tuple", npy_bytes(dict_text(shape="[3]"), f8(1, 2, 3)), "the shape is a list, not a tuple")
npy_case(
    "npy_shape_overflows",
    npy_bytes(dict_text(shape="(4294967296, 4294967296)"), f8(1, 2, 3)),
    "a shape whose byte count does not fit in 64 bits",
)
npy_case(
    "npy_dim_too_many_digits",
    npy_bytes(dict_text(shape="(99999999999999999999999999,)"), f8(1, 2, 3)),
    "a dimension with 26 digits",
)
npy_case(
    "npy_shape_too_large",
    npy_bytes(dict_text(shape="(1000000000000,)"), f8(1, 2, 3)),
    "a shape of 10**12 elements over 24 bytes of data",
)
npy_case("npy_header_not_dict", npy_bytes("['descr', '<f8']", f8(1, 2, 3)), "the header is a list, not a dict")
npy_case("npy_header_unclosed", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), ", f8(1, 2, 3)), "the header dict is never closed")
npy_case("npy_missing_shape", npy_bytes("{'descr': '<f8', 'fortran_order': False, }", f8(1, 2, 3)), "the header has no 'shape'")
npy_case("npy_duplicate_key", npy_bytes("{" + GOOD + "'shape': (3,), }", f8(1, 2, 3)), "'shape' given twice")
npy_case("npy_unknown_key", npy_bytes("{" + GOOD + "'extra': 1, }", f8(1, 2, 3)), "a key NumPy never writes")
npy_case("npy_fortran_not_bool", npy_bytes(dict_text(fortran="'yes'"), f8(1, 2, 3)), "`fortran_order` is a string")
npy_case(
    "npy_header_nul_bytes",
    npy_bytes("{'descr': '<f8',\0\0\0 'fortran_order': False, 'shape': (3,), }", f8(1, 2, 3)),
    "NUL bytes inside the header dict",
)
npy_case(
    "npy_v3_header_not_utf8",
    npy_bytes(b"{'descr': '<f8', 'fortran_order': False, 'shape': (3,), } \xff", f8(1, 2, 3), version=(3, 0)),
    "a version 3.0 header (UTF-8 by definition) with a byte that is not UTF-8",
)


def main():
    for old in OUT.iterdir():
        if old.suffix in (".arr", ".npy"):
            old.unlink()
    for name, (content, _) in CASES.items():
        (OUT / name).write_bytes(content)
    rows = [
        f"| `{name}` | {why} |" for name, (_, why) in CASES.items() if why is not None
    ]
    readme = README.format(count=len(rows), rows="\n".join(rows))
    (OUT / "README.md").write_text(readme, encoding="utf-8")
    total = sum(p.stat().st_size for p in OUT.iterdir() if p.is_file())
    assert total < 200_000, f"the folder holds {total} bytes"
    print(f"{len(rows)} scripts, {len(CASES) - len(rows)} .npy files, {total} bytes in all")


README = """\
# Hostile inputs

Every `.arr` file here is broken on purpose, except those named `valid_*.arr`: inputs that look
hostile but are valid programs (an empty file, a byte-order mark). `tests/bad_inputs.rs` runs
`arr run FILE` on each one, from this folder (so that `load("x.npy")` finds the `.npy` files
beside it), and requires:

- an exit within 60 seconds, without a signal, and nothing in stderr about a panic or a
  backtrace;
- for a broken file: exit status 1, and the first line of stderr of the form
  `FILE:LINE:COL: error: …`, at the line and column the test's table names, with a message
  containing the words the table names;
- for a `valid_*.arr` file: exit status 0 and nothing in stderr;
- this folder unchanged afterwards (no case may write a file here).

The table in the test is the specification; this one says what is wrong with each file. The
`.npy` files have no entry: each belongs to the script of the same name. A file that is not
UTF-8 is reported at the line and column of its first bad byte.

Everything here is written by `make_bad.py` (standard library only):
`python3 tests/data/bad/make_bad.py`. To add a case, add it there and to the table in
`tests/bad_inputs.rs`, whose test fails on a script that has no entry.

{count} scripts:

| File | What is wrong |
|---|---|
{rows}
"""


if __name__ == "__main__":
    main()
