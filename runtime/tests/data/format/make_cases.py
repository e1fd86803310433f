"""Writes cases.txt: arrays and the exact text `print(x)` shows for them in NumPy 2.x.

Run with NumPy 2.x and default print options:

    /work/main/.venv/bin/python runtime/tests/data/format/make_cases.py

runtime/tests/format.rs rebuilds each array from its description and compares
`format_array` with the text NumPy printed, so no Python is needed at test time.

File format, one block per case:

    === <name>
    dtype <bool|i32|i64|f32|f64|c64|c128>
    shape <d0> <d1> ...            (nothing after "shape" for a 0-d array)
    values <v0> <v1> ...           (row-major; floats as Python repr, complex as re,im)
    arange <step> <start>          (instead of values: element i is i*step+start, computed
                                    in f64 and then cast to the dtype)
    ---
    <expected text, possibly several lines>
"""

from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "cases.txt"
DTYPES = {
    "bool": np.bool_,
    "i32": np.int32,
    "i64": np.int64,
    "f32": np.float32,
    "f64": np.float64,
    "c64": np.complex64,
    "c128": np.complex128,
}
nan, inf = float("nan"), float("inf")

# (name, dtype, values or None, shape, arange (step, start) or None)
CASES = []


def case(name, dtype, values, shape=None):
    arr = np.array(values, dtype=DTYPES[dtype])
    if shape is not None:
        arr = arr.reshape(shape)
    CASES.append((name, dtype, arr, None))


def arange_case(name, dtype, shape, step, start=0.0):
    n = int(np.prod(shape))
    arr = (np.arange(n, dtype=np.float64) * step + start).astype(DTYPES[dtype]).reshape(shape)
    CASES.append((name, dtype, arr, (step, start)))


# --- f64, positional mode
case("f64 mixed digits pad right", "f64", [0.1, 0.25, 1.0])
case("f64 integers", "f64", [1.0, 2.0, 3.0])
case("f64 negatives", "f64", [-1.5, 2.25, -3.0])
case("f64 zero only", "f64", [0.0])
case("f64 signed zeros", "f64", [-0.0, 0.0])
case("f64 thirds rounded to 8 digits", "f64", [1 / 3, 2 / 3, -1 / 7])
case("f64 shortest vs rounded", "f64", [0.1 + 0.2, 1.0000000001, 0.5])
case("f64 exact tie at 8 digits", "f64", [0.001953125, 1.0])
case("f64 1e-4 is still positional", "f64", [1e-4, 0.01])
case("f64 just below 1e8", "f64", [12345678.0, 100000.5])
case("f64 ratio exactly 1000", "f64", [0.001, 1.0])
# --- f64, scientific mode
case("f64 small switches to scientific", "f64", [1e-5, 1.0])
case("f64 ratio above 1000", "f64", [0.001, 1.5])
case("f64 1e8 switches to scientific", "f64", [123456789.0, 1.0])
case("f64 huge and tiny", "f64", [1e300, -1e-300])
case("f64 three digit exponents", "f64", [1e-100, 1e100, 1.5])
case("f64 scientific with zero", "f64", [0.0, 1e-5, -2.5e-7])
case("f64 subnormal", "f64", [5e-324, 1.0])
case("f64 scientific rounding", "f64", [1.23456789123e-9, 9.999999999e10])
# --- non-finite
case("f64 nan and inf mixed", "f64", [1.5, nan, -inf])
case("f64 all nan", "f64", [nan, nan])
case("f64 nan and inf only", "f64", [nan, inf])
case("f64 neg inf only", "f64", [-inf])
case("f64 scientific with nan", "f64", [1e-5, nan, inf])
case("f64 wide with nan", "f64", [123.456, nan, -inf, 0.001])
# --- f32
case("f32 shortest single digits", "f32", [0.1, 0.2, 0.3])
case("f32 1e6 is scientific", "f32", [1e6, 1.5])
case("f32 just below 1e6", "f32", [999999.0, 0.5])
case("f32 1e-4 is positional in arrays", "f32", [1e-4])
case("f32 thirds", "f32", [1 / 3, 2 / 3, 10 / 3])
case("f32 nan inf", "f32", [nan, -inf, 2.5])
# --- ints and bools
case("i32 right aligned", "i32", [1, -20, 300])
case("i64 extremes", "i64", [-(2**63), 2**63 - 1, 0])
case("i32 2d", "i32", [1, 22, 333, -4, 5, 66], (2, 3))
case("bool mixed", "bool", [True, False, True])
case("bool all true", "bool", [True, True])
case("bool 2d", "bool", [True, False, False, True], (2, 2))
# --- complex
case("c128 basic", "c128", [1 + 2j, -1j])
case("c128 zeros", "c128", [0j, 0j])
case("c128 mixed widths", "c128", [1.5 + 2.25j, -10 - 0.5j, 3j])
case("c128 nan inf parts", "c128", [complex(nan, 1), complex(1, inf), complex(-inf, nan)])
case("c128 scientific parts", "c128", [1e-5 + 1j, 2 + 3e10j])
case("c64 single precision", "c64", [0.1 + 0.2j, 1 - 1j])
case("c128 2d", "c128", [1 + 1j, 2 - 2j, -3 + 0.5j, 4j], (2, 2))
# --- shapes
case("f64 2d", "f64", [1.5, 2.0, -3.25, 4.0, 5.0, 6.125], (2, 3))
arange_case("f64 2d sevenths", "f64", (3, 4), 1 / 7)
arange_case("f64 3d", "f64", (2, 3, 4), 1.0)
arange_case("i64 3d", "i64", (2, 2, 3), 1.0, -5.0)
arange_case("f64 3d scientific", "f64", (2, 2, 2), 1e5, 1e-3)
arange_case("f64 4d", "f64", (2, 1, 2, 2), 0.5)
case("f64 column", "f64", [1.0, 2.5, 3.0], (3, 1))
case("f64 1x1x1", "f64", [7.0], (1, 1, 1))
# --- wrapping at 75 columns
arange_case("f64 wraps", "f64", (30,), 1.1)
arange_case("i64 wraps", "i64", (100,), 1.0)
arange_case("f64 2d rows wrap", "f64", (2, 20), 0.123456789, -1.0)
arange_case("f64 scientific wraps", "f64", (20,), 12345.678, 1e-3)
arange_case("c128 wraps", "c128", (12,), 1.25, 0.5)
arange_case("i32 3d rows wrap", "i32", (2, 2, 30), 7.0, -100.0)
arange_case("bool wraps", "bool", (20,), 1.0)
# --- summarised (more than 1000 elements)
arange_case("f64 summarised", "f64", (2000,), 1.0)
arange_case("i64 1001 is summarised", "i64", (1001,), 1.0)
arange_case("i32 1000 is not summarised", "i32", (1000,), 1.0)
arange_case("f64 2d summarised", "f64", (50, 30), 0.5)
arange_case("f64 2d summarised short rows", "f64", (1000, 2), 1.0)
arange_case("i64 3d summarised", "i64", (10, 10, 11), 1.0)
arange_case("f64 summarised scientific edges", "f64", (5000,), 1000.0, 0.001)
arange_case("c128 summarised", "c128", (1500,), 0.25)
# --- typical data: random normals, with many digits
_rng = np.random.default_rng(0)
case("f64 random normals 2d", "f64", _rng.normal(size=(4, 5)))
case("f32 random normals 2d", "f32", _rng.normal(size=(3, 7)).astype(np.float32))
case("f64 random scaled", "f64", _rng.normal(size=8) * 1e4)
case("c128 random", "c128", _rng.normal(size=4) + 1j * _rng.normal(size=4))
case("f32 large positional", "f32", [99999.5, 123.25, -0.75])
arange_case("f32 summarised", "f32", (3000,), 0.1)
# --- empty
case("f64 empty", "f64", [])
case("i32 empty", "i32", [])
case("f64 empty 2d", "f64", np.zeros((2, 0)))
case("bool empty 3d", "bool", np.zeros((0, 2, 3), dtype=bool))
# --- 0-d: printed like NumPy scalars
for v in [0.1, 1.0, 1e-7, 1e16, 1e15, 123456.7, -0.0, inf, -inf, nan, 1e-4, 9.9e-5, 2.5e-300]:
    case(f"f64 0d {v!r}", "f64", v)
for v in [0.1, 1e6, 999999.0, 1e-4, 3.0, nan]:
    case(f"f32 0d {v!r}", "f32", v)
case("i32 0d", "i32", -7)
case("i64 0d", "i64", 2**62)
case("bool 0d true", "bool", True)
case("bool 0d false", "bool", False)
for z in [1 + 2j, 2j, complex(-0.0, 1), complex(0, -0.0), complex(nan, inf), complex(-1, 0),
          complex(1e20, 1e-7), complex(0.5, -0.25)]:
    case(f"c128 0d {z!r}", "c128", z)
case("c64 0d", "c64", 0.1 + 0.2j)


def fmt_value(x, dtype):
    if dtype == "bool":
        return "True" if x else "False"
    if dtype in ("i32", "i64"):
        return str(int(x))
    if dtype in ("f32", "f64"):
        return repr(float(x))
    return f"{float(x.real)!r},{float(x.imag)!r}"


def main():
    blocks = []
    for name, dtype, arr, gen in CASES:
        lines = [f"=== {name}", f"dtype {dtype}", " ".join(["shape", *map(str, arr.shape)]).rstrip()]
        if gen is None:
            values = [fmt_value(x, dtype) for x in arr.reshape(-1)]
            lines.append(" ".join(["values", *values]).rstrip())
        else:
            lines.append(f"arange {gen[0]!r} {gen[1]!r}")
        lines.append("---")
        lines.append(str(arr))
        blocks.append("\n".join(lines) + "\n")
    OUT.write_text("".join(blocks))
    print(f"{len(CASES)} cases written to {OUT} with NumPy {np.__version__}")


if __name__ == "__main__":
    main()
