"""Writes the NumPy fixtures that tests/interp_numpy.rs checks the interpreter against.

Run from anywhere with NumPy 2.x installed:

    /work/main/.venv/bin/python tests/data/numpy/make_fixtures.py

It writes
  - inputs/NAME.npy: a fixed set of small input arrays (seeded, so the same bytes every time);
  - expected/CASE.npy: for each case in cases.txt, the value of its NumPy expression, with the
    inputs (and `np`) in scope. NumPy scalars become 0-d arrays; NumPy's dtype is kept.

Stale files in expected/ (cases that were removed from cases.txt) are deleted.
"""

import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
INPUTS = HERE / "inputs"
EXPECTED = HERE / "expected"

inf, nan = np.inf, np.nan


def make_inputs():
    rng = np.random.default_rng(20240611)

    def uniform(lo, hi, shape, dtype=np.float64):
        return rng.uniform(lo, hi, shape).astype(dtype)

    # Integers with no zero, for divisors and exponents of ones that are never 0.
    def nonzero_ints(lo, hi, shape, dtype):
        x = rng.integers(lo, hi + 1, shape)
        x[x == 0] = 1
        return x.astype(dtype)

    z = uniform(-2, 2, (4, 5)) + 1j * uniform(-2, 2, (4, 5))
    inputs = {
        "a": uniform(-2, 2, (4, 5)),
        "b": uniform(-2, 2, (5,)),
        "c": uniform(-2, 2, (4, 1)),
        "p": uniform(0.1, 3, (4, 5)),
        "u": uniform(-0.9, 0.9, (4, 5)),
        "f": uniform(-2, 2, (4, 5), np.float32),
        "fb": uniform(-2, 2, (5,), np.float32),
        "fp": uniform(0.1, 3, (4, 5), np.float32),
        "fu": uniform(-0.9, 0.9, (4, 5), np.float32),
        "i": rng.integers(-10, 11, (4, 5)).astype(np.int64),
        "ib": rng.integers(-10, 11, (5,)).astype(np.int64),
        "j": nonzero_ints(-5, 5, (5,), np.int32),
        "ji": rng.integers(-10, 11, (4, 5)).astype(np.int32),
        "k": rng.integers(-3, 4, (4, 5)).astype(np.int64),
        "n": rng.integers(0, 5, (4, 5)).astype(np.int64),
        "t": rng.random((4, 5)) < 0.5,
        "t2": rng.random((5,)) < 0.5,
        "z": z,
        "w": (uniform(-2, 2, (5,)) + 1j * uniform(-2, 2, (5,))).astype(np.complex64),
        "wz": (uniform(-2, 2, (4, 5)) + 1j * uniform(-2, 2, (4, 5))).astype(np.complex64),
        "s": uniform(-2, 2, (3, 4, 5)),
        "m1": uniform(-2, 2, (3, 4)),
        "m2": uniform(-2, 2, (4, 2)),
        "bm": uniform(-2, 2, (2, 3, 4)),
        "v": uniform(-2, 2, (8,)),
        "v7": uniform(-2, 2, (7,)),
        "big": uniform(500, 1000, (2, 4)),
        # Edge values: NaN, both infinities, both zeros.
        "nanv": np.array([1.5, nan, -inf, -0.0, 0.0, inf, -2.5, nan, 3.0, -1.0]),
        "nanm": np.array([[3.0, nan, -1.0, 0.5], [inf, -2.0, -inf, nan], [0.0, -0.0, 2.0, 1.0]]),
        "ninf": np.array([inf, -inf, -0.0, 0.0, 1.0, -1.0]),
        "nanf": np.array([1.5, nan, -inf, -0.0, 0.0, inf, -2.5, nan], dtype=np.float32),
        "zedge": np.array([complex(inf, 0), complex(0, -inf), complex(nan, 1), complex(-0.0, 0.0),
                           complex(1, nan), complex(-2, 0.0), complex(-2, -0.0), complex(0, 0)]),
        # Points on the branch cuts of sqrt, log, asin, acos, atan, with both signs of zero.
        "zcut": np.array([complex(2, 0.0), complex(2, -0.0), complex(-2, 0.0), complex(-2, -0.0),
                          complex(0.0, 2), complex(-0.0, 2), complex(0.0, -2), complex(-0.0, -2)]),
        # Halves, where round() must go to the even neighbour.
        "half": np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, -0.0, 0.49999999999999994, 2.675]),
        # Ties, for a stable argsort.
        "ti": np.array([3, 1, 2, 1, 3, 0, 2, 1, -4, 0], dtype=np.int64),
        "tf": np.array([[0.5, -1.0, 0.5, 2.0, -1.0], [1.0, 1.0, 0.0, -0.0, 1.0]]),
        "lo": uniform(-1, 0, (5,)),
        "hi": uniform(0, 1, (4, 1)),
    }
    return inputs


# Explicit formulas for the sugar the language builds from primitives.
def lse(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isinf(m), 0.0, m)
    r = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return r if keepdims else np.squeeze(r, axis=axis)


def softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def read_cases(path):
    cases = []
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3:
            raise SystemExit(f"{path.name}:{lineno}: expected `name | arr | numpy`")
        cases.append((lineno, *parts))
    return cases


def main():
    INPUTS.mkdir(exist_ok=True)
    EXPECTED.mkdir(exist_ok=True)
    inputs = make_inputs()
    for name, x in inputs.items():
        assert x.size <= 100, name
        np.save(INPUTS / f"{name}.npy", x)

    scope = {"np": np, "inf": inf, "nan": nan, "lse": lse, "softmax": softmax}
    scope.update(inputs)
    names = set()
    for lineno, name, _arr, expr in read_cases(HERE / "cases.txt"):
        if name in names:
            raise SystemExit(f"cases.txt:{lineno}: case `{name}` is repeated")
        names.add(name)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            # Division by zero, NaN comparisons and complex-to-real casts warn; the values
            # are what we want.
            warnings.simplefilter("ignore")
            value = eval(expr, dict(scope))
        value = np.asarray(value)
        if value.dtype.kind not in "bifc" or value.dtype.itemsize not in (1, 4, 8, 16):
            raise SystemExit(f"cases.txt:{lineno}: `{name}` gives unsupported dtype {value.dtype}")
        np.save(EXPECTED / f"{name}.npy", value)
    for old in EXPECTED.glob("*.npy"):
        if old.stem not in names:
            old.unlink()
    print(f"{len(inputs)} inputs, {len(names)} cases")


if __name__ == "__main__":
    main()
