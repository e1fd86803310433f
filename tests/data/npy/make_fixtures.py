"""Writes the .npy fixtures that runtime/tests/npy.rs reads.

Run from anywhere with NumPy 2.x installed:

    /work/main/.venv/bin/python tests/data/npy/make_fixtures.py

Every file is written by NumPy itself (np.save, or np.lib.format.write_array for the explicit
header versions), so the Rust tests check our reader and writer against NumPy's real output.
The expected values are written out by hand in the Rust test, not derived from these files.
"""

from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent

inf, nan = np.inf, np.nan

# name -> array; np.save writes each as format version 1.0.
FIXTURES = {
    "bool_1d": np.array([True, False, True, True], dtype=np.bool_),
    "i4_1d": np.array([0, -1, 7, 2**31 - 1, -(2**31)], dtype="<i4"),
    "i8_1d": np.array([0, -1, 2**40, 2**63 - 1, -(2**63)], dtype="<i8"),
    # 1e-45 is the smallest f32 subnormal; 3.4028235e38 the largest finite f32.
    "f4_1d": np.array([0.5, -0.0, nan, inf, -inf, 1e-45, 3.4028235e38, 0.1], dtype="<f4"),
    "f8_1d": np.array([0.1, -0.0, nan, inf, -inf, 5e-324, 1.7976931348623157e308, -2.5], dtype="<f8"),
    "c8_1d": np.array([1 + 2j, -0.5 - 0j, complex(nan, inf), 0.25j], dtype="<c8"),
    "c16_1d": np.array([1 + 2j, 0.1 - 0.2j, complex(inf, -inf), complex(-0.0, nan)], dtype="<c16"),
    "f8_2d": np.arange(6, dtype="<f8").reshape(2, 3) * 1.5,
    "i4_3d": np.arange(24, dtype="<i4").reshape(2, 3, 4),
    "f8_0d": np.array(3.25, dtype="<f8"),
    "i8_0d": np.array(-42, dtype="<i8"),
    "bool_0d": np.array(True),
    "f4_empty": np.zeros((0,), dtype="<f4"),
    "f8_empty_2d": np.zeros((2, 0), dtype="<f8"),
    "c16_empty_3d": np.zeros((3, 0, 2), dtype="<c16"),
    # Column-major storage: the reader must transpose into C order.
    "f8_fortran": np.asfortranarray(np.arange(6, dtype="<f8").reshape(2, 3)),
    "i4_fortran_3d": np.asfortranarray(np.arange(24, dtype="<i4").reshape(2, 3, 4)),
    # Big-endian storage: the reader must swap bytes.
    "f8_big_endian": np.array([1.0, -2.5, 1e300, nan], dtype=">f8"),
    "i4_big_endian": np.array([1, -2, 2**31 - 1], dtype=">i4"),
    "c16_big_endian": np.array([1 + 2j, -3.5 - 0.25j], dtype=">c16"),
    "i8_big_endian_fortran": np.asfortranarray(np.arange(6, dtype=">i8").reshape(3, 2)),
}

# Files with an explicit header version (np.save only picks 2.0 for huge headers, 3.0 for
# non-latin-1 field names, so these are written through the lower-level API).
VERSIONED = {
    "f8_v2": ((2, 0), np.array([1.0, 2.0, 3.0], dtype="<f8")),
    "i4_v3": ((3, 0), np.arange(6, dtype="<i4").reshape(3, 2)),
}

# Dtypes we do not support, to check the error message names them.
UNSUPPORTED = {
    "unsupported_u1": np.array([1, 2], dtype="u1"),
    "unsupported_str": np.array(["hello"], dtype="<U5"),
}


def main():
    for name, arr in {**FIXTURES, **UNSUPPORTED}.items():
        np.save(OUT / f"{name}.npy", arr)
    for name, (version, arr) in VERSIONED.items():
        with open(OUT / f"{name}.npy", "wb") as f:
            np.lib.format.write_array(f, arr, version=version)
    for path in sorted(OUT.glob("*.npy")):
        assert path.stat().st_size < 2048, f"{path.name} is too big for a fixture"
        print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
