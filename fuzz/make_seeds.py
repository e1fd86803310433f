#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora under fuzz/seeds/ (committed; run again after adding
cases to tests/data/numpy/cases.txt or files to the folders below).

- parse: every .arr file of the project (examples, grammar examples, test data, good and bad).
- pipeline: one script per case of tests/data/numpy/cases.txt, with its inputs made in the
  language itself (the fuzz target turns file access off), plus the example scripts.
- npy: the .npy files of tests/data/npy/ (every dtype, order and version) and tests/data/bad/.
"""

import hashlib
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fuzz" / "seeds"

# The inputs of tests/data/numpy/make_fixtures.py, same names, shapes and dtypes and similar
# ranges, made with rand() instead of files.
INPUTS = {
    "a": "rand((4, 5), seed=1) * 4 - 2",
    "b": "rand(5, seed=2) * 4 - 2",
    "c": "rand((4, 1), seed=3) * 4 - 2",
    "p": "rand((4, 5), seed=4) * 2.9 + 0.1",
    "u": "rand((4, 5), seed=5) * 1.8 - 0.9",
    "f": "f32(rand((4, 5), seed=6) * 4 - 2)",
    "fb": "f32(rand(5, seed=7) * 4 - 2)",
    "fp": "f32(rand((4, 5), seed=8) * 2.9 + 0.1)",
    "fu": "f32(rand((4, 5), seed=9) * 1.8 - 0.9)",
    "i": "i64(floor(rand((4, 5), seed=10) * 21)) - 10",
    "ib": "i64(floor(rand(5, seed=11) * 21)) - 10",
    "j": "i32([3, -2, 1, 5, -4])",
    "ji": "i32(floor(rand((4, 5), seed=12) * 21)) - 10",
    "k": "i64(floor(rand((4, 5), seed=13) * 7)) - 3",
    "n": "i64(floor(rand((4, 5), seed=14) * 5))",
    "t": "rand((4, 5), seed=15) < 0.5",
    "t2": "rand(5, seed=16) < 0.5",
    "z": "complex(rand((4, 5), seed=17) * 4 - 2, rand((4, 5), seed=18) * 4 - 2)",
    "w": "c64(complex(rand(5, seed=19) * 4 - 2, rand(5, seed=20) * 4 - 2))",
    "wz": "c64(complex(rand((4, 5), seed=21) * 4 - 2, rand((4, 5), seed=22) * 4 - 2))",
    "s": "rand((3, 4, 5), seed=23) * 4 - 2",
    "m1": "rand((3, 4), seed=24) * 4 - 2",
    "m2": "rand((4, 2), seed=25) * 4 - 2",
    "bm": "rand((2, 3, 4), seed=26) * 4 - 2",
    "v": "rand(8, seed=27) * 4 - 2",
    "v7": "rand(7, seed=28) * 4 - 2",
    "big": "rand((2, 4), seed=29) * 500 + 500",
    "nanv": "[1.5, nan, -inf, -0.0, 0.0, inf, -2.5, nan, 3.0, -1.0]",
    "nanm": "[[3.0, nan, -1.0, 0.5], [inf, -2.0, -inf, nan], [0.0, -0.0, 2.0, 1.0]]",
    "ninf": "[inf, -inf, -0.0, 0.0, 1.0, -1.0]",
    "nanf": "f32([1.5, nan, -inf, -0.0, 0.0, inf, -2.5, nan])",
    "zedge": "complex([inf, 0.0, nan, -0.0, 1.0, -2.0, -2.0, 0.0], "
    "[0.0, -inf, 1.0, 0.0, nan, 0.0, -0.0, 0.0])",
    "zcut": "complex([2.0, 2.0, -2.0, -2.0, 0.0, -0.0, 0.0, -0.0], "
    "[0.0, -0.0, 0.0, -0.0, 2.0, 2.0, -2.0, -2.0])",
    "half": "[-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, -0.0, 0.49999999999999994, 2.675]",
    "ti": "[3, 1, 2, 1, 3, 0, 2, 1, -4, 0]",
    "tf": "[[0.5, -1.0, 0.5, 2.0, -1.0], [1.0, 1.0, 0.0, -0.0, 1.0]]",
    "lo": "rand(5, seed=30) - 1",
    "hi": "rand((4, 1), seed=31)",
}


def write(folder: Path, data: bytes, name: str = ""):
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha1(data).hexdigest()[:16]
    (folder / (name or digest)).write_bytes(data)


def pipeline_seeds():
    out = SEEDS / "pipeline"
    cases = (ROOT / "tests" / "data" / "numpy" / "cases.txt").read_text()
    for line in cases.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, arr, _ = [p.strip() for p in line.split("|")]
        statements = arr.rsplit(";", 1)
        body = "\n".join(s.strip() for s in statements[0].split(";")) + "\n" if len(
            statements) == 2 else ""
        expr = statements[-1].strip()
        used = [n for n in INPUTS if re.search(rf"\b{n}\b", arr)]
        prelude = "".join(f"{n} = {INPUTS[n]}\n" for n in used)
        write(out, f"{prelude}{body}y = {expr}\n".encode(), f"{name}.arr")
    for path in sorted((ROOT / "examples").glob("*.arr")):
        write(out, path.read_bytes(), f"example_{path.name}")


def parse_seeds():
    out = SEEDS / "parse"
    for path in sorted(ROOT.glob("**/*.arr")):
        if "target" in path.parts or "seeds" in path.parts:
            continue
        write(out, path.read_bytes())


def npy_seeds():
    out = SEEDS / "npy"
    for folder in ["npy", "bad"]:
        for path in sorted((ROOT / "tests" / "data" / folder).glob("**/*.npy")):
            write(out, path.read_bytes())


if __name__ == "__main__":
    shutil.rmtree(SEEDS, ignore_errors=True)
    pipeline_seeds()
    parse_seeds()
    npy_seeds()
    for d in sorted(SEEDS.iterdir()):
        print(f"{d.name}: {len(list(d.iterdir()))} seeds")
