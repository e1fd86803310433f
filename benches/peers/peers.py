#!/usr/bin/env python3
"""Times arr's benchmark workloads in the array libraries it competes with.

Each workload runs in every installed peer (float64, on `--threads` threads), with warm-up and
repeats. Within a workload the systems take turns sample by sample (round-robin, the order
rotating each round), so that drifts in the machine's speed hit every system alike; the table
quotes medians. A peer that is not installed, or fails on a workload, is reported as skipped.

    benches/peers/.venv/bin/python benches/peers/peers.py                    # peers only
    benches/peers/.venv/bin/python benches/peers/peers.py --arr target/release/arr --json out.json

With `--arr`, the script first runs `arr bench --json examples/bench/peers.arr` and merges arr's
interp/unfused/fused medians into the table. The workloads' names are the bench names there.

Threads: the process (and so every library, and arr) is pinned to the first `--threads` CPUs
with sched_setaffinity, which is what sizes XLA's thread pool (XLA has no thread-count flag).
OMP_NUM_THREADS, MKL_NUM_THREADS, OPENBLAS_NUM_THREADS, NUMEXPR_NUM_THREADS, NUMBA_NUM_THREADS
and RAYON_NUM_THREADS are set to the same number unless already set, and torch.set_num_threads
and numexpr.set_num_threads are called with it.
"""

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ARR_SCRIPT = REPO / "examples" / "bench" / "peers.arr"

# name -> (kind, number of elements; for matmul and softmax the side of a square matrix, for
# logreg the rows). `compile_chain_cold` and `compile_chain_resize` are handled apart (fresh
# processes). benches/suite/run.py times a subset of these, at the sizes of the NumPy/JAX/PyTorch
# comparison (1,000 and 1,000,000 elements, and so on).
WORKLOADS = {
    "chain_8": ("chain", 8),
    "chain_1K": ("chain", 1_000),
    "chain_1M": ("chain", 1_000_000),
    "chain_10M": ("chain", 10_000_000),
    "poly_10M": ("poly", 10_000_000),
    "sumsq_10M": ("sumsq", 10_000_000),
    "sin_1K": ("sin", 1_000),
    "sin_1M": ("sin", 1_000_000),
    "sin_10M": ("sin", 10_000_000),
    "add_1K": ("add", 1_000),
    "add_1M": ("add", 1_000_000),
    "add_10M": ("add", 10_000_000),
    "mul_1K": ("mul", 1_000),
    "mul_1M": ("mul", 1_000_000),
    "stencil_1K": ("stencil", 1_000),
    "stencil_1M": ("stencil", 1_000_000),
    "stencil_10M": ("stencil", 10_000_000),
    "softmax_32x32": ("softmax", 32),
    "softmax_1000x1000": ("softmax", 1000),
    "grad_100": ("gradsq", 100),
    "grad_10K": ("gradsq", 10_000),
    "grad_1M": ("gradsq", 1_000_000),
    "logreg_10Kx100": ("logreg", 10_000),
    "gd_100": ("gd", 100),
    "gd_1M": ("gd", 1_000_000),
    "gd_step_1M": ("gd_step", 1_000_000),
    "matmul_100": ("matmul", 100),
    "matmul_2000": ("matmul", 2000),
    "fft_1K": ("fft", 1_000),
    "fft_1M": ("fft", 1_000_000),
    "fft_1048576": ("fft", 1_048_576),
    "sort_1K": ("sort", 1_000),
    "sort_1M": ("sort", 1_000_000),
}
COLD = "compile_chain_cold"
COLD_N = 1_000  # elements in the cold-compile call: small, so that compiling dominates
# The same freshly jitted function's second call, on a new size: JAX and torch.compile
# (dynamic=False) compile again for the new shape, Numba and arr reuse their code.
RESIZE = "compile_chain_resize"
RESIZE_N = 2_000
COLD_WORKLOADS = (COLD, RESIZE)

# Gradient descent, `w = w - 0.01 * grad(sum((w*x - 1)**2))`: this many steps per timed run
# (enough that a one-time trace or compile is a small share of the run), by parameter count.
GD_STEPS = {100: 10_000, 1_000_000: 100}


def gd_steps(kind, n):
    """Steps per timed run: `gd_step` is one step alone, the ratio's reference."""
    return 1 if kind == "gd_step" else GD_STEPS[n]

DESCRIPTIONS = {
    "chain": "sin(a)*b + a*a/(1+b)",
    "poly": "0.25*x**3 + 0.75*x**2 - 1.5*x - 2",
    "sumsq": "sum((w*x)**2)",
    "sin": "sin(a)",
    "add": "a + b",
    "mul": "a * b",
    "stencil": "x[2:] - 2*x[1:-1] + x[:-2]",
    "gradsq": "gradient of sum((w*x)**2) with respect to w (hand-written: 2*w*x*x)",
    "matmul": "A @ B, both n×n",
    "fft": "fft(x) of a real vector (the full complex spectrum)",
    "sort": "sort(x) of uniform doubles",
    "softmax": "softmax over the rows of an n×n matrix (exp(x - max) / sum, per row)",
    "logreg": "gradient of sum(log(1 + exp(-y * (X @ w)))) with respect to w, X n×100 "
    "(hand-written: X.T @ (-y / (1 + exp(y * (X @ w)))))",
    "gd": "gradient descent on n parameters, a loop of w = w - 0.01 * grad(sum((w*x - 1)**2)) "
    "(hand-written: 2*(w*x - 1)*x): 10,000 steps at n = 100, 100 at n = 1M",
    "gd_step": "one step of gd",
}

SYSTEMS = [
    "numpy",
    "numpy_out",
    "numexpr",
    "jax",
    "torch",
    "torch_compile",
    "numba",
    "numba_par",
    "scipy",
    "pyfftw",
]
COLD_SYSTEMS = ["jax", "torch_compile", "numba", "numba_par"]


def set_threads(threads):
    """Pins this process to `threads` CPUs and tells every library to use that many."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) > threads:
            os.sched_setaffinity(0, cpus[:threads])
    except (AttributeError, OSError):
        pass
    for var in (
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "NUMEXPR_NUM_THREADS",
        "NUMEXPR_MAX_THREADS",
        "NUMBA_NUM_THREADS",
        "RAYON_NUM_THREADS",
    ):
        os.environ.setdefault(var, str(threads))
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    os.environ.setdefault("JAX_ENABLE_X64", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def inputs(kind, n):
    """The workload's input arrays (NumPy, float64): uniform in [0, 1), `b`/`w` shifted by 0.5."""
    import numpy as np

    rng = np.random.default_rng(12345)
    a = rng.random(n)
    b = rng.random(n) + 0.5
    if kind in ("poly", "stencil"):
        return {"x": a}
    if kind in ("sumsq", "gradsq", "gd", "gd_step"):
        return {"w": b, "x": a}
    if kind == "sin":
        return {"a": a}
    if kind == "matmul":
        return {"a": rng.random((n, n)), "b": rng.random((n, n))}
    if kind == "softmax":
        return {"x": rng.random((n, n))}
    if kind in ("fft", "sort"):
        return {"x": a}
    if kind == "logreg":
        X = rng.standard_normal((n, 100))
        y = np.where(rng.random(n) > 0.5, 1.0, -1.0)
        w = rng.standard_normal(100) * 0.1
        return {"w": w, "X": X, "y": y}
    return {"a": a, "b": b}


# ----------------------------------------------------------------------------------------------
# The peers. Each `make_*` returns a function of no arguments that computes the workload once and
# returns only when the result is ready, or None where the workload makes no sense for the peer.
# ----------------------------------------------------------------------------------------------


def make_numpy(kind, x, threads):
    import numpy as np

    if kind == "chain":
        a, b = x["a"], x["b"]
        return lambda: np.sin(a) * b + a * a / (1 + b)
    if kind == "poly":
        v = x["x"]
        return lambda: 0.25 * v**3 + 0.75 * v**2 - 1.5 * v - 2
    if kind == "sumsq":
        w, v = x["w"], x["x"]
        return lambda: np.sum((w * v) ** 2)
    if kind == "gradsq":
        # The derivative written by hand, as a NumPy user would.
        w, v = x["w"], x["x"]
        return lambda: 2 * (w * v) * v
    if kind in ("gd", "gd_step"):
        w0, v = x["w"], x["x"]
        steps = gd_steps(kind, v.size)

        def f():
            w = w0
            for _ in range(steps):
                w = w - 0.01 * (2 * (w * v - 1) * v)
            return w

        return f
    if kind == "sin":
        a = x["a"]
        return lambda: np.sin(a)
    if kind == "add":
        a, b = x["a"], x["b"]
        return lambda: a + b
    if kind == "mul":
        a, b = x["a"], x["b"]
        return lambda: a * b
    if kind == "stencil":
        v = x["x"]
        return lambda: v[2:] - 2 * v[1:-1] + v[:-2]
    if kind == "logreg":
        w, X, y = x["w"], x["X"], x["y"]
        return lambda: X.T @ (-y / (1 + np.exp(y * (X @ w))))
    if kind == "matmul":
        a, b = x["a"], x["b"]
        return lambda: a @ b
    if kind == "fft":
        v = x["x"]
        return lambda: np.fft.fft(v)
    if kind == "sort":
        v = x["x"]
        return lambda: np.sort(v)
    if kind == "softmax":
        v = x["x"]

        def f():
            e = np.exp(v - v.max(axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)

        return f
    return None


def make_numpy_out(kind, x, threads):
    """NumPy writing into preallocated outputs and temporaries (`out=`): no allocation per call."""
    import numpy as np

    if kind == "chain":
        a, b = x["a"], x["b"]
        t, o = np.empty_like(a), np.empty_like(a)

        def f():
            np.sin(a, out=t)
            np.multiply(t, b, out=t)
            np.add(b, 1, out=o)
            np.divide(a, o, out=o)
            np.multiply(o, a, out=o)
            np.add(t, o, out=o)
            return o

        return f
    if kind == "poly":
        v = x["x"]
        t, o = np.empty_like(v), np.empty_like(v)

        def f():
            np.power(v, 3, out=o)
            np.multiply(o, 0.25, out=o)
            np.square(v, out=t)
            np.multiply(t, 0.75, out=t)
            np.add(o, t, out=o)
            np.multiply(v, 1.5, out=t)
            np.subtract(o, t, out=o)
            np.subtract(o, 2, out=o)
            return o

        return f
    if kind == "sumsq":
        w, v = x["w"], x["x"]
        t = np.empty_like(v)

        def f():
            np.multiply(w, v, out=t)
            np.square(t, out=t)
            return t.sum()

        return f
    if kind in ("gd", "gd_step"):
        w0, v = x["w"], x["x"]
        steps = gd_steps(kind, v.size)
        w, t = np.empty_like(w0), np.empty_like(w0)

        def f():
            np.copyto(w, w0)
            for _ in range(steps):
                np.multiply(w, v, out=t)
                np.subtract(t, 1, out=t)
                np.multiply(t, v, out=t)
                np.multiply(t, 0.02, out=t)
                np.subtract(w, t, out=w)
            return w

        return f
    if kind in ("sin", "add", "mul"):
        a = x["a"]
        o = np.empty_like(a)
        if kind == "sin":
            return lambda: np.sin(a, out=o)
        b = x["b"]
        op = np.add if kind == "add" else np.multiply
        return lambda: op(a, b, out=o)
    if kind == "stencil":
        v = x["x"]
        o = np.empty(v.size - 2)

        def f():
            np.multiply(v[1:-1], -2, out=o)
            np.add(o, v[2:], out=o)
            np.add(o, v[:-2], out=o)
            return o

        return f
    if kind == "softmax":
        v = x["x"]
        e, s = np.empty_like(v), np.empty((v.shape[0], 1))

        def f():
            np.max(v, axis=1, keepdims=True, out=s)
            np.subtract(v, s, out=e)
            np.exp(e, out=e)
            np.sum(e, axis=1, keepdims=True, out=s)
            return np.divide(e, s, out=e)

        return f
    return None


def make_numexpr(kind, x, threads):
    import numexpr as ne

    ne.set_num_threads(threads)
    exprs = {
        "chain": "sin(a)*b + a*a/(1+b)",
        "poly": "0.25*x**3 + 0.75*x**2 - 1.5*x - 2",
        "sumsq": "sum((w*x)**2)",
        "gradsq": "2*(w*x)*x",
        "sin": "sin(a)",
        "add": "a + b",
        "mul": "a * b",
        "stencil": "x2 - 2*x1 + x0",
    }
    if kind in ("gd", "gd_step"):
        w0, v = x["w"], x["x"]
        steps = gd_steps(kind, v.size)

        def f():
            w = w0
            for _ in range(steps):
                w = ne.evaluate("w - 0.01 * (2 * (w * v - 1) * v)", local_dict={"w": w, "v": v})
            return w

        return f
    if kind not in exprs:
        return None
    env = dict(x)
    if kind == "stencil":
        v = x["x"]
        env = {"x2": v[2:], "x1": v[1:-1], "x0": v[:-2]}
    expr = exprs[kind]
    return lambda: ne.evaluate(expr, local_dict=env)


def jax_fn(kind):
    import jax
    import jax.numpy as jnp

    return {
        "gradsq": jax.grad(lambda w, x: jnp.sum((w * x) ** 2)),
        "logreg": jax.grad(lambda w, X, y: jnp.sum(jnp.log(1 + jnp.exp(-y * (X @ w))))),
        "matmul": lambda a, b: a @ b,
        "fft": lambda x: jnp.fft.fft(x),
        "sort": lambda x: jnp.sort(x),
        "softmax": lambda x: jax.nn.softmax(x, axis=1),
        "chain": lambda a, b: jnp.sin(a) * b + a * a / (1 + b),
        "poly": lambda x: 0.25 * x**3 + 0.75 * x**2 - 1.5 * x - 2,
        "sumsq": lambda w, x: jnp.sum((w * x) ** 2),
        "sin": lambda a: jnp.sin(a),
        "add": lambda a, b: a + b,
        "mul": lambda a, b: a * b,
        "stencil": lambda x: x[2:] - 2 * x[1:-1] + x[:-2],
    }.get(kind)


def make_jax(kind, x, threads):
    import jax

    jax.config.update("jax_enable_x64", True)
    if kind in ("gd", "gd_step"):
        # The whole loop compiled (`fori_loop`), as JAX recommends for speed.
        import jax.numpy as jnp

        steps = gd_steps(kind, x["x"].size)
        g = jax.grad(lambda w, v: jnp.sum((w * v - 1) ** 2))
        run = jax.jit(lambda w, v: jax.lax.fori_loop(0, steps, lambda i, w: w - 0.01 * g(w, v), w))
        w, v = jax.device_put(x["w"]), jax.device_put(x["x"])
        return lambda: run(w, v).block_until_ready()
    fn = jax_fn(kind)
    if fn is None:
        return None
    f = jax.jit(fn)
    args = [jax.device_put(v) for v in x.values()]
    return lambda: f(*args).block_until_ready()


def torch_fn(kind):
    import torch

    def gradsq(w, x):
        (g,) = torch.autograd.grad(torch.sum((w * x) ** 2), w)
        return g

    def logreg(w, X, y):
        (g,) = torch.autograd.grad(torch.sum(torch.log(1 + torch.exp(-y * (X @ w)))), w)
        return g

    return {
        "gradsq": gradsq,
        "logreg": logreg,
        "matmul": lambda a, b: a @ b,
        "fft": lambda x: torch.fft.fft(x),
        "sort": lambda x: torch.sort(x).values,
        "softmax": lambda x: torch.softmax(x, dim=1),
        "chain": lambda a, b: torch.sin(a) * b + a * a / (1 + b),
        "poly": lambda x: 0.25 * x**3 + 0.75 * x**2 - 1.5 * x - 2,
        "sumsq": lambda w, x: torch.sum((w * x) ** 2),
        "sin": lambda a: torch.sin(a),
        "add": lambda a, b: a + b,
        "mul": lambda a, b: a * b,
        "stencil": lambda x: x[2:] - 2 * x[1:-1] + x[:-2],
    }.get(kind)


def make_torch(kind, x, threads, compiled=False):
    import torch

    torch.set_num_threads(threads)
    if kind in ("gd", "gd_step"):
        if compiled:
            return None
        w0, v = torch.from_numpy(x["w"]), torch.from_numpy(x["x"])
        steps = gd_steps(kind, v.numel())

        def f():
            w = w0.clone().requires_grad_(True)
            for _ in range(steps):
                (g,) = torch.autograd.grad(torch.sum((w * v - 1) ** 2), w)
                with torch.no_grad():
                    w -= 0.01 * g
            return w

        return f
    fn = torch_fn(kind)
    if fn is None:
        return None
    if compiled:
        if kind in ("gradsq", "logreg"):
            return None  # autograd through torch.compile is another measurement
        fn = torch.compile(fn, dynamic=False, fullgraph=True)
    args = [torch.from_numpy(v) for v in x.values()]
    if kind in ("gradsq", "logreg"):
        args[0].requires_grad_(True)
    return lambda: fn(*args)


def make_torch_compile(kind, x, threads):
    return make_torch(kind, x, threads, compiled=True)


_NUMBA = {}


def numba_kernels(parallel):
    """The workloads as explicit loops, compiled with @njit (parallel=True: prange splits them)."""
    if parallel in _NUMBA:
        return _NUMBA[parallel]
    import numpy as np
    from numba import njit, prange

    # With parallel=False, prange is a plain range.
    def chain(a, b):
        out = np.empty_like(a)
        for i in prange(a.size):
            out[i] = np.sin(a[i]) * b[i] + a[i] * a[i] / (1 + b[i])
        return out

    def poly(x):
        out = np.empty_like(x)
        for i in prange(x.size):
            v = x[i]
            out[i] = 0.25 * v**3 + 0.75 * v**2 - 1.5 * v - 2
        return out

    def sumsq(w, x):
        s = 0.0
        for i in prange(x.size):
            s += (w[i] * x[i]) ** 2
        return s

    def gradsq(w, x):
        out = np.empty_like(w)
        for i in prange(w.size):
            out[i] = 2 * (w[i] * x[i]) * x[i]
        return out

    def sin(a):
        out = np.empty_like(a)
        for i in prange(a.size):
            out[i] = np.sin(a[i])
        return out

    def add(a, b):
        out = np.empty_like(a)
        for i in prange(a.size):
            out[i] = a[i] + b[i]
        return out

    def mul(a, b):
        out = np.empty_like(a)
        for i in prange(a.size):
            out[i] = a[i] * b[i]
        return out

    def logreg(w, X, y):
        # By hand; the products go to BLAS as NumPy's do.
        return X.T @ (-y / (1 + np.exp(y * (X @ w))))

    def matmul(a, b):
        return a @ b

    def stencil(x):
        out = np.empty(x.size - 2)
        for i in prange(x.size - 2):
            out[i] = x[i + 2] - 2 * x[i + 1] + x[i]
        return out

    def softmax(x):
        out = np.empty_like(x)
        for r in prange(x.shape[0]):
            m = x[r, 0]
            for j in range(1, x.shape[1]):
                m = max(m, x[r, j])
            s = 0.0
            for j in range(x.shape[1]):
                out[r, j] = np.exp(x[r, j] - m)
                s += out[r, j]
            for j in range(x.shape[1]):
                out[r, j] /= s
        return out

    def gd(w0, x, steps):
        w = w0.copy()
        for _ in range(steps):
            for i in prange(w.size):
                w[i] -= 0.01 * (2 * (w[i] * x[i] - 1) * x[i])
        return w

    jit = njit(parallel=parallel, fastmath=False)
    kernels = (chain, poly, sumsq, gradsq, sin, add, mul, stencil, softmax, logreg, matmul, gd)
    _NUMBA[parallel] = {f.__name__: jit(f) for f in kernels}
    _NUMBA[parallel]["gd_step"] = _NUMBA[parallel]["gd"]
    return _NUMBA[parallel]


def make_numba(kind, x, threads, parallel=False):
    import numba

    if parallel:
        numba.set_num_threads(threads)
    f = numba_kernels(parallel).get(kind)
    if f is None:
        return None
    args = list(x.values())
    if kind in ("gd", "gd_step"):
        args.append(gd_steps(kind, x["x"].size))
    return lambda: f(*args)


def make_numba_par(kind, x, threads):
    return make_numba(kind, x, threads, parallel=True)


def make_scipy(kind, x, threads):
    import scipy.fft

    if kind != "fft":
        return None
    v = x["x"]
    return lambda: scipy.fft.fft(v, workers=threads)


def make_pyfftw(kind, x, threads):
    """pyFFTW's planned transform (FFTW_MEASURE), reused on every call as FFTW users do."""
    import pyfftw

    if kind != "fft":
        return None
    v = x["x"]
    src = pyfftw.empty_aligned(v.size, dtype="complex128")
    src[:] = v
    plan = pyfftw.builders.fft(src, threads=threads, planner_effort="FFTW_MEASURE")
    return lambda: plan(v)


MAKERS = {
    "numpy": make_numpy,
    "numpy_out": make_numpy_out,
    "numexpr": make_numexpr,
    "jax": make_jax,
    "torch": make_torch,
    "torch_compile": make_torch_compile,
    "numba": make_numba,
    "numba_par": make_numba_par,
    "scipy": make_scipy,
    "pyfftw": make_pyfftw,
}

MODULE = {
    "numpy": "numpy",
    "numpy_out": "numpy",
    "numexpr": "numexpr",
    "jax": "jax",
    "torch": "torch",
    "torch_compile": "torch",
    "numba": "numba",
    "numba_par": "numba",
    "scipy": "scipy",
    "pyfftw": "pyfftw",
}


def probe(system):
    """None if the system's library imports, else why it is skipped."""
    try:
        __import__("numpy")
        __import__(MODULE[system])
    except Exception as e:  # ImportError, or a broken install
        return f"{MODULE[system]} not importable ({type(e).__name__}: {e})".splitlines()[0]
    return None


def versions():
    out = {"python": platform.python_version()}
    for mod in ("numpy", "numexpr", "jax", "jaxlib", "torch", "numba", "scipy", "pyfftw"):
        try:
            out[mod] = __import__(mod).__version__
        except Exception:
            pass
    return out


# ----------------------------------------------------------------------------------------------
# Timing
# ----------------------------------------------------------------------------------------------


def sample(f, number):
    t = time.perf_counter()
    for _ in range(number):
        f()
    return (time.perf_counter() - t) / number


def bench_workload(name, systems, args, skipped):
    """Times one workload in every system, interleaved; returns {system: stats}."""
    if not systems:
        return {}  # nothing to time (and maybe no NumPy to make the inputs with)
    kind, n = WORKLOADS[name]
    x = inputs(kind, n)
    calls = {}
    for s in systems:
        try:
            f = MAKERS[s](kind, x, args.threads)
            if f is None:
                continue
            t = time.perf_counter()
            f()  # the first call compiles where the peer compiles
            first = time.perf_counter() - t
            for _ in range(2):
                f()
            one = sample(f, 1)
            number = max(1, math.ceil(args.sample_s / max(one, 1e-9)))
            calls[s] = (f, number, first)
        except Exception as e:
            msg = f"{type(e).__name__}: {e}".splitlines()[0][:200]
            skipped.setdefault(s, {})[name] = msg
            print(f"  {s}: skipped on {name}: {msg}", file=sys.stderr)
    times = {s: [] for s in calls}
    order = list(calls)
    for r in range(args.rounds):
        k = r % len(order) if order else 0
        for s in order[k:] + order[:k]:
            f, number, _ = calls[s]
            times[s].append(sample(f, number))
    out = {}
    for s, ts in times.items():
        ts.sort()
        out[s] = {
            "median_s": ts[len(ts) // 2],
            "min_s": ts[0],
            "samples": len(ts),
            "number": calls[s][1],
            "first_call_s": calls[s][2],
        }
    return out


def cold_worker(system, threads):
    """In a fresh process: warms the peer's JIT up on another function, then times the first
    call of a freshly defined chain function (definition, tracing, compiling, running), and
    then its first call on a new size (RESIZE_N elements). Returns (first, resized) seconds."""
    import numpy as np

    x = inputs("chain", COLD_N)
    a, b = x["a"], x["b"]
    r = inputs("chain", RESIZE_N)
    ra, rb = r["a"], r["b"]

    def timed(f):
        t = time.perf_counter()
        f()
        return time.perf_counter() - t

    if system == "jax":
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)
        ja, jb, jra, jrb = (jax.device_put(v) for v in (a, b, ra, rb))
        jax.jit(lambda u, v: u * v + 1.0)(ja, jb).block_until_ready()
        t = time.perf_counter()

        @jax.jit
        def chain(a, b):
            return jnp.sin(a) * b + a * a / (1 + b)

        chain(ja, jb).block_until_ready()
        first = time.perf_counter() - t
        return first, timed(lambda: chain(jra, jrb).block_until_ready())
    if system == "torch_compile":
        import torch

        torch.set_num_threads(threads)
        ta, tb, tra, trb = (torch.from_numpy(v) for v in (a, b, ra, rb))
        torch.compile(lambda u, v: u * v + 1.0, dynamic=False, fullgraph=True)(ta, tb)
        t = time.perf_counter()

        @torch.compile(dynamic=False, fullgraph=True)
        def chain(a, b):
            return torch.sin(a) * b + a * a / (1 + b)

        chain(ta, tb)
        first = time.perf_counter() - t
        return first, timed(lambda: chain(tra, trb))
    if system in ("numba", "numba_par"):
        import numba
        from numba import njit, prange

        par = system == "numba_par"
        if par:
            numba.set_num_threads(threads)

        @njit(parallel=par)
        def warm(u, v):
            out = np.empty_like(u)
            for i in prange(u.size):
                out[i] = u[i] * v[i] + 1.0
            return out

        warm(a, b)
        t = time.perf_counter()

        @njit(parallel=par)
        def chain(a, b):
            out = np.empty_like(a)
            for i in prange(a.size):
                out[i] = np.sin(a[i]) * b[i] + a[i] * a[i] / (1 + b[i])
            return out

        chain(a, b)
        first = time.perf_counter() - t
        return first, timed(lambda: chain(ra, rb))
    raise ValueError(f"no cold-compile measurement for {system}")


def bench_cold(systems, args, skipped):
    """compile_chain_cold and compile_chain_resize: every sample in a fresh process (and, for
    torch.compile, a fresh inductor cache), the systems taking turns. Returns
    {workload: {system: stats}}."""
    live = list(systems)
    times = {w: {s: [] for s in live} for w in COLD_WORKLOADS}
    for r in range(args.cold_samples):
        k = r % len(live) if live else 0
        for s in live[k:] + live[:k]:
            if s in skipped and COLD in skipped[s]:
                continue
            env = dict(os.environ)
            with tempfile.TemporaryDirectory(prefix="peers-cold-") as tmp:
                env["TORCHINDUCTOR_CACHE_DIR"] = tmp
                env["TRITON_CACHE_DIR"] = tmp
                env["NUMBA_CACHE_DIR"] = tmp
                cmd = [sys.executable, __file__, "--threads", str(args.threads), "--cold-worker", s]
                try:
                    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
                    res = json.loads(p.stdout.strip().splitlines()[-1]) if p.stdout.strip() else {}
                    if "s" not in res:
                        err = res.get("error") or (p.stderr.strip().splitlines() or ["failed"])[-1]
                        raise RuntimeError(err)
                    times[COLD][s].append(res["s"])
                    times[RESIZE][s].append(res["resize_s"])
                except Exception as e:
                    msg = f"{type(e).__name__}: {e}".splitlines()[0][:200]
                    for w in COLD_WORKLOADS:
                        skipped.setdefault(s, {})[w] = msg
                    print(f"  {s}: skipped on {COLD}: {msg}", file=sys.stderr)
    out = {w: {} for w in COLD_WORKLOADS}
    for w, by_system in times.items():
        for s, ts in by_system.items():
            if ts and not (s in skipped and COLD in skipped[s]):
                ts.sort()
                out[w][s] = {"median_s": ts[len(ts) // 2], "min_s": ts[0], "samples": len(ts),
                             "number": 1}
    return out


# ----------------------------------------------------------------------------------------------
# arr
# ----------------------------------------------------------------------------------------------


def run_arr(arr, threads, script=ARR_SCRIPT, options=()):
    """Runs `arr bench --json [options] script` (examples/bench/peers.arr by default); returns
    ({workload: {column: stats}}, the parsed JSON). compile_chain_cold and compile_chain_resize
    are arr's compile time plus one run (the time to the first result)."""
    cmd = [str(Path(arr).resolve()), "bench", "--json", *options, str(script)]
    print(f"running {' '.join(cmd)}", file=sys.stderr)
    p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"arr bench exited {p.returncode}: {p.stderr.strip()[-500:]}")
    text = p.stdout.strip()
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        # Anything the script printed comes first; the JSON document is the last one.
        start = text.rfind('{"benches"')
        doc = json.loads(text[start:])
    rows = {}
    for b in doc.get("benches", []):
        device = b.get("device") or "cpu"
        col = f"arr_{b['mode']}" + ("" if device == "cpu" else f"_{device}")
        stats = {
            "median_s": b["median_s"],
            "min_s": b.get("min_s"),
            "samples": b.get("runs"),
            "compile_s": b.get("compile_s"),
        }
        if b["name"] in COLD_WORKLOADS:
            first = (b.get("compile_s") or 0.0) + b["median_s"]
            stats = {"median_s": first, "min_s": None, "samples": b.get("runs"),
                     "compile_s": b.get("compile_s")}
        rows.setdefault(b["name"], {})[col] = stats
    return rows, doc


# ----------------------------------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------------------------------


def fmt(s):
    if s is None:
        return "–"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if s >= scale or unit == "ns":
            v = s / scale
            return f"{v:.3g} {unit}" if v < 1000 else f"{v:.0f} {unit}"
    return str(s)


def table(results, columns, has_arr):
    head = ["workload", *columns]
    if has_arr:
        head += ["best peer", "arr_fused vs best peer"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in [*WORKLOADS, *COLD_WORKLOADS]:
        if name not in results:
            continue
        row = results[name]
        cells = [f"`{name}`"] + [fmt(row.get(c, {}).get("median_s")) for c in columns]
        if has_arr:
            peers = {c: v["median_s"] for c, v in row.items() if not c.startswith("arr_")}
            best = min(peers, key=peers.get) if peers else None
            cells.append(f"{best} {fmt(peers[best])}" if best else "–")
            fused = row.get("arr_fused", {}).get("median_s")
            cells.append(f"{peers[best] / fused:.2f}x" if best and fused else "–")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=2, help="threads for every peer (default 2)")
    ap.add_argument("--rounds", type=int, default=15, help="timed samples per system (15)")
    ap.add_argument("--sample-s", type=float, default=0.002,
                    help="seconds a sample lasts at least: fast calls are repeated (0.002)")
    ap.add_argument("--cold-samples", type=int, default=3,
                    help="fresh processes per system for compile_chain_cold (3)")
    ap.add_argument("--quick", action="store_true", help="5 rounds, 1 cold sample")
    ap.add_argument("--only", help="comma-separated workload names")
    ap.add_argument("--systems", help=f"comma-separated subset of {','.join(SYSTEMS)}")
    ap.add_argument("--arr", metavar="PATH", help="arr binary: merge `arr bench` of peers.arr")
    ap.add_argument("--json", metavar="PATH", help="write every result as JSON")
    ap.add_argument("--cold-worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    set_threads(args.threads)

    if args.cold_worker:
        try:
            first, resized = cold_worker(args.cold_worker, args.threads)
            print(json.dumps({"s": first, "resize_s": resized}))
        except Exception as e:
            print(json.dumps({"error": f"{type(e).__name__}: {e}".splitlines()[0][:300]}))
        return

    if args.quick:
        args.rounds, args.cold_samples = 5, 1
    names = [*WORKLOADS, *COLD_WORKLOADS]
    if args.only:
        names = [w.strip() for w in args.only.split(",")]
        unknown = [w for w in names if w not in COLD_WORKLOADS and w not in WORKLOADS]
        if unknown:
            ap.error(f"unknown workloads {unknown}; known: {[*WORKLOADS, *COLD_WORKLOADS]}")
    systems = SYSTEMS
    if args.systems:
        systems = [s.strip() for s in args.systems.split(",")]
        unknown = [s for s in systems if s not in SYSTEMS]
        if unknown:
            ap.error(f"unknown systems {unknown}; known: {SYSTEMS}")

    skipped = {}  # system -> reason, or {workload: reason}
    live = []
    for s in systems:
        why = probe(s)
        if why:
            skipped[s] = why
            print(f"{s}: skipped: {why}", file=sys.stderr)
        else:
            live.append(s)

    results = {}
    arr_doc = None
    if args.arr:
        try:
            arr_rows, arr_doc = run_arr(args.arr, args.threads)
            for name, cols in arr_rows.items():
                if name in names:
                    results.setdefault(name, {}).update(cols)
        except Exception as e:
            skipped["arr"] = f"{type(e).__name__}: {e}".splitlines()[0][:300]
            print(f"arr: skipped: {skipped['arr']}", file=sys.stderr)

    cold = None  # both cold workloads come from the same fresh processes
    for name in names:
        print(f"{name} …", file=sys.stderr)
        if name in COLD_WORKLOADS:
            if cold is None:
                cold = bench_cold([s for s in COLD_SYSTEMS if s in live], args, skipped)
            res = cold[name]
        else:
            res = bench_workload(name, live, args, skipped)
        results.setdefault(name, {}).update(res)

    arr_cols = sorted({c for r in results.values() for c in r if c.startswith("arr_")},
                      key=lambda c: ({"arr_interp": 0, "arr_unfused": 1, "arr_fused": 2}.get(c, 3), c))
    peer_cols = [s for s in live if any(s in r for r in results.values())]
    columns = arr_cols + peer_cols
    v = versions()
    print(f"\nMedian time per call; float64, {args.threads} threads, {args.rounds} rounds "
          f"interleaved; `{COLD}`: first call of a freshly jitted chain on {COLD_N} elements; "
          f"`{RESIZE}`: its second call, on {RESIZE_N} elements.")
    print(", ".join(f"{k} {val}" for k, val in v.items()) + "\n")
    print(table(results, columns, bool(arr_cols)))
    if skipped:
        print("\nSkipped:")
        for s, why in skipped.items():
            if isinstance(why, dict):
                for w, m in why.items():
                    print(f"- {s} on `{w}`: {m}")
            else:
                print(f"- {s}: {why}")
    if args.json:
        doc = {
            "threads": args.threads,
            "rounds": args.rounds,
            "versions": v,
            "workloads": {n: {"kind": WORKLOADS[n][0], "n": WORKLOADS[n][1],
                              "expr": DESCRIPTIONS[WORKLOADS[n][0]]} for n in WORKLOADS},
            "results": [{"workload": w, "system": s, **st}
                        for w, row in results.items() for s, st in row.items()],
            "skipped": skipped,
            "arr": arr_doc,
        }
        Path(args.json).write_text(json.dumps(doc, indent=1) + "\n")
        print(f"\nwrote {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
