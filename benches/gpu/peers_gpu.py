#!/usr/bin/env python3
"""Times arrjit's GPU peers (PyTorch, CuPy, JAX) on an NVIDIA GPU, side by side.

This is the GPU counterpart of benches/peers/peers.py: it measures the same kind of array
workloads in the libraries that arrjit's CUDA backend competes with, so that the two can be
compared on the same machine. Only the standard library is required; numpy, torch, cupy and jax
are each used when they import (and, for a GPU run, see a GPU). A peer that is missing is skipped
with a one-line note on stderr.

Systems (table columns):
    torch           PyTorch eager
    torch_compile   torch.compile(fn) (default mode, dynamic=False) of the elementwise workloads;
                    for grad, the compiled loss differentiated by torch.autograd.grad
    cupy            plain CuPy array expressions (one kernel per operation)
    cupy_kernel     a hand-written cupy.ElementwiseKernel (one fused kernel): chain, grad, stencil
    jax             jax.jit of the expression (jax.jit(jax.grad(...)) for grad)

Workloads (float32 unless noted; `_f64` rows use float64; 1K = 1000, 10K = 10,000, 1M = 10**6,
100M = 10**8):
    copy_100M       device-to-device copy (torch y.copy_(x), cupy.copyto(y, x), jax.jit(jnp.copy))
    chain_100M      sin(a)*b + a*a/(1+b)
    add_*, mul_*, sin_*   a+b, a*b, sin(a), 1K and 1M, f32 and f64
    matmul_100, matmul_2000   square A @ B, f32 and f64 (f32 in full precision: no TF32)
    grad_*          gradient of sum((w*x)**2) with respect to w (CuPy by hand: 2*w*x*x)
    fft_1K, fft_1M  complex FFT of a real vector, f64 and f32
    sort_1K, sort_1M   sort, f32 and f64
    cumsum_1M       running sum of a vector, f32 and f64
    cumsum0_1Mx     running sum down the columns (axis 0) of a (1000, 1000) array
    softmax_1Mx     softmax over the last axis of a (1000, 1000) array
    stencil_100M    x[2:] - 2*x[1:-1] + x[:-2]

Timing. Inputs are generated once per size and dtype with a fixed seed (numpy, or torch when
numpy is missing) and copied to the device before any timing. For each (workload, system) the
first call is timed on its own (`first_call_s`, which includes any compilation), followed by at
least two more warm-up calls. Then `--rounds` samples are taken; a sample times a batch of calls
large enough to last at least `--sample-s` seconds, with the device synchronized before and after
the batch (torch.cuda.synchronize, cupy Device().synchronize, jax block_until_ready), and is
reported in seconds per call. Within a workload the systems take turns sample by sample
(round-robin, the order rotating each round) so that drifts in clock speed hit every system alike.
The table quotes medians. Separately, the host-to-device copy of all inputs (`h2d_s`, from
pageable host memory) and the device-to-host copy of the output (`d2h_s`) are timed (median of
`--xfer-reps`), since those decide whether the GPU pays on small arrays. Each system's output is
also fetched and compared with the first system's, as a check that all compute the same thing.

GB/s is reported for the memory-bound workloads, counting the minimal traffic: copy and stencil
2*itemsize*n (read + write), chain 3*itemsize*n (two reads, one write).

Run (on the GPU machine; the JSON file is rewritten after every workload, so a run cut short
keeps what it measured):

    python3 benches/gpu/peers_gpu.py --json out.json
    python3 benches/gpu/peers_gpu.py --only chain,copy --systems torch,jax --quick

Smoke test without a GPU (torch and jax on the CPU, 100M sizes replaced by 1M, no CuPy):

    benches/peers/.venv/bin/python benches/gpu/peers_gpu.py --device cpu --quick

Environment set before jax is imported (unless already set): XLA_PYTHON_CLIENT_PREALLOCATE=false,
so that JAX does not take 75% of the GPU memory away from torch and CuPy in the same process.
"""

import argparse
import gc
import json
import math
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field

# (name, kind, size, dtypes). Size is the number of elements, or the side for matmul.
WORKLOADS = [
    ("copy_100M", "copy", 100_000_000, ("f32",)),
    ("chain_100M", "chain", 100_000_000, ("f32",)),
    ("add_1K", "add", 1_000, ("f32", "f64")),
    ("add_1M", "add", 1_000_000, ("f32", "f64")),
    ("mul_1K", "mul", 1_000, ("f32", "f64")),
    ("mul_1M", "mul", 1_000_000, ("f32", "f64")),
    ("sin_1K", "sin", 1_000, ("f32", "f64")),
    ("sin_1M", "sin", 1_000_000, ("f32", "f64")),
    ("matmul_100", "matmul", 100, ("f32", "f64")),
    ("matmul_2000", "matmul", 2000, ("f32", "f64")),
    ("grad_100", "grad", 100, ("f32",)),
    ("grad_10K", "grad", 10_000, ("f32",)),
    ("grad_1M", "grad", 1_000_000, ("f32",)),
    ("fft_1K", "fft", 1_000, ("f64", "f32")),
    ("fft_1M", "fft", 1_000_000, ("f64", "f32")),
    ("sort_1K", "sort", 1_000, ("f32", "f64")),
    ("sort_1M", "sort", 1_000_000, ("f32", "f64")),
    ("cumsum_1M", "cumsum", 1_000_000, ("f32", "f64")),
    ("cumsum0_1Mx", "cumsum0", 1_000_000, ("f32",)),
    ("softmax_1Mx", "softmax", 1_000_000, ("f32",)),
    ("stencil_100M", "stencil", 100_000_000, ("f32",)),
]

DESCRIPTIONS = {
    "copy": "device-to-device copy y <- x",
    "chain": "sin(a)*b + a*a/(1+b)",
    "add": "a + b",
    "mul": "a * b",
    "sin": "sin(a)",
    "matmul": "A @ B, both n x n",
    "grad": "d/dw sum((w*x)**2) (CuPy by hand: 2*w*x*x)",
    "fft": "fft(x) of a real vector (full complex spectrum)",
    "sort": "sort(x) (torch.sort also returns indices)",
    "cumsum": "cumsum(x) of a vector",
    "cumsum0": "cumsum(x, axis=0) of a (1000, 1000) array",
    "softmax": "softmax over the last axis of a (1000, 1000) array",
    "stencil": "x[2:] - 2*x[1:-1] + x[:-2]",
}

# Bytes of minimal memory traffic per element, in units of itemsize, for the GB/s column.
TRAFFIC = {"copy": 2, "chain": 3, "stencil": 2}

SYSTEMS = ["torch", "torch_compile", "cupy", "cupy_kernel", "jax"]
FAMILY = {"torch": "torch", "torch_compile": "torch", "cupy": "cupy", "cupy_kernel": "cupy", "jax": "jax"}
TORCH_COMPILE_KINDS = {"chain", "add", "mul", "sin", "stencil", "softmax", "grad"}
CUPY_KERNEL_KINDS = {"chain", "grad", "stencil"}

CPU_SIZE_CAP = 1_000_000  # --device cpu: bigger sizes are replaced by this
SEED = 12345
MAX_CALLS_PER_SAMPLE = 1_000_000


def note(msg):
    print(msg, file=sys.stderr, flush=True)


def first_line(exc):
    text = f"{type(exc).__name__}: {exc}".strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


# ----------------------------------------------------------------------------------------------
# Workloads and their inputs
# ----------------------------------------------------------------------------------------------


@dataclass
class Workload:
    name: str
    kind: str
    n: int  # the size parameter: elements, or the side of a matmul
    dtype: str  # "f32" or "f64"
    shape: tuple  # shape of the main input array

    @property
    def label(self):
        return f"{self.name}_{self.dtype}"

    @property
    def itemsize(self):
        return 4 if self.dtype == "f32" else 8


def expand_workloads(only, device):
    tokens = [t.strip() for t in only.split(",") if t.strip()] if only else []
    out = []
    for name, kind, size, dtypes in WORKLOADS:
        n = min(size, CPU_SIZE_CAP) if device == "cpu" else size
        if kind == "matmul":
            shape = (n, n)
        elif kind in ("softmax", "cumsum0"):
            side = int(round(math.sqrt(n)))
            shape = (side, n // side)
        else:
            shape = (n,)
        for dt in dtypes:
            w = Workload(name, kind, n, dt, shape)
            if tokens and not any(w.name.startswith(t) or w.label.startswith(t) for t in tokens):
                continue
            out.append(w)
    return out


class Inputs:
    """Host input arrays, generated once per (role, shape, dtype) with a fixed seed."""

    def __init__(self, np, torch):
        self.np, self.torch = np, torch
        self.cache = {}

    def array(self, role, shape, dtype, offset=0.0):
        key = (role, shape, dtype, offset)
        if key not in self.cache:
            seed = SEED + (1 if role == "b" else 0)
            if self.np is not None:
                np = self.np
                rng = np.random.default_rng(seed)
                a = rng.random(shape, dtype=np.float32 if dtype == "f32" else np.float64)
                if offset:
                    a += a.dtype.type(offset)
            else:
                torch = self.torch
                g = torch.Generator().manual_seed(seed)
                a = torch.rand(shape, generator=g, dtype=torch.float32 if dtype == "f32" else torch.float64)
                if offset:
                    a += offset
            self.cache[key] = a
        return self.cache[key]

    def for_workload(self, w):
        """The workload's inputs, by argument name: uniform in [0, 1); `b` and `w` in [0.5, 1.5)."""
        shape, dt = w.shape, w.dtype
        if w.kind in ("chain", "add", "mul", "matmul"):
            return {"a": self.array("a", shape, dt), "b": self.array("b", shape, dt, 0.5)}
        if w.kind == "grad":
            return {"w": self.array("b", shape, dt, 0.5), "x": self.array("a", shape, dt)}
        if w.kind == "sin":
            return {"a": self.array("a", shape, dt)}
        if w.kind == "softmax":
            return {"x": self.array("a", shape, dt)}
        return {"x": self.array("a", shape, dt)}  # copy, fft, sort, cumsum, stencil

    def nbytes(self, arrays):
        return sum(int(a.nbytes) if hasattr(a, "nbytes") else a.numel() * a.element_size() for a in arrays)


# ----------------------------------------------------------------------------------------------
# The peers. Each loader returns the module(s) or None (with a note); each builder returns a Case
# for a workload, or None where the workload is not applicable to the system.
# ----------------------------------------------------------------------------------------------


@dataclass
class Case:
    call: object  # () -> result; may return before the device has finished
    sync: object  # (result or None) -> None; waits until the device has finished
    h2d: object  # () -> None; copies every input from the host to the device and waits
    d2h: object  # (result) -> host copy of the result (numpy when available)


@dataclass
class Env:
    device: str  # "cuda" or "cpu"
    np: object = None
    torch: object = None
    cupy: object = None
    jax: object = None
    peers: dict = field(default_factory=dict)  # versions
    skipped: dict = field(default_factory=dict)  # peer -> reason
    gpu: str = ""
    jax_dev: object = None

    def free(self):
        gc.collect()
        if self.torch is not None and self.device == "cuda":
            try:
                self.torch.cuda.synchronize()
                self.torch.cuda.empty_cache()
            except Exception:
                pass
        if self.cupy is not None:
            try:
                self.cupy.cuda.Device().synchronize()
                self.cupy.get_default_memory_pool().free_all_blocks()
                self.cupy.get_default_pinned_memory_pool().free_all_blocks()
            except Exception:
                pass


def load_peers(device, wanted_families):
    env = Env(device=device)
    try:
        import numpy

        env.np = numpy
        env.peers["numpy"] = {"version": numpy.__version__}
    except Exception as e:
        env.skipped["numpy"] = first_line(e)
        note(f"numpy: not available ({first_line(e)}); inputs come from torch, no output check")

    if "torch" in wanted_families:
        try:
            import torch

            if device == "cuda" and not torch.cuda.is_available():
                raise RuntimeError("torch.cuda.is_available() is False")
            info = {"version": torch.__version__, "cuda": torch.version.cuda}
            if device == "cuda":
                torch.backends.cuda.matmul.allow_tf32 = False  # f32 matmul in full precision
                torch.backends.cudnn.allow_tf32 = False
                info["device"] = torch.cuda.get_device_name(0)
                env.gpu = env.gpu or info["device"]
            env.torch = torch
            env.peers["torch"] = info
        except Exception as e:
            env.skipped["torch"] = first_line(e)
            note(f"torch: skipped ({first_line(e)})")

    if "cupy" in wanted_families:
        if device != "cuda":
            env.skipped["cupy"] = "--device cpu"
            note("cupy: skipped (--device cpu)")
        else:
            try:
                import cupy

                if cupy.cuda.runtime.getDeviceCount() < 1:
                    raise RuntimeError("no CUDA device")
                props = cupy.cuda.runtime.getDeviceProperties(0)
                name = props["name"]
                name = name.decode() if isinstance(name, bytes) else str(name)
                env.cupy = cupy
                env.peers["cupy"] = {
                    "version": cupy.__version__,
                    "cuda_runtime": cupy.cuda.runtime.runtimeGetVersion(),
                    "cuda_driver": cupy.cuda.runtime.driverGetVersion(),
                    "device": name,
                }
                env.gpu = env.gpu or name
            except Exception as e:
                env.skipped["cupy"] = first_line(e)
                note(f"cupy: skipped ({first_line(e)})")

    if "jax" in wanted_families:
        os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        if device == "cpu":
            os.environ.setdefault("JAX_PLATFORMS", "cpu")
        try:
            import jax

            jax.config.update("jax_enable_x64", True)  # for the f64 rows; f32 stays f32
            jax.config.update("jax_default_matmul_precision", "highest")  # no TF32
            devs = jax.devices("gpu" if device == "cuda" else "cpu")
            if not devs:
                raise RuntimeError("no jax device")
            import jaxlib

            env.jax = jax
            env.jax_dev = devs[0]
            env.peers["jax"] = {
                "version": jax.__version__,
                "jaxlib": getattr(jaxlib, "__version__", "?"),
                "backend": devs[0].platform,
                "device": getattr(devs[0], "device_kind", str(devs[0])),
            }
            if device == "cuda":
                env.gpu = env.gpu or env.peers["jax"]["device"]
        except Exception as e:
            env.skipped["jax"] = first_line(e)
            note(f"jax: skipped ({first_line(e)})")
    return env


def host_of(env, t):
    """A host array (numpy when available) from a host torch tensor."""
    if env.np is not None:
        return t.numpy()
    return t


def build_torch(w, host, env, compiled=False):
    torch = env.torch
    if compiled and w.kind not in TORCH_COMPILE_KINDS:
        return None
    w_device = "cuda" if env.device == "cuda" else "cpu"
    dev = torch.device(w_device)

    def put():
        out = []
        for h in host.values():
            t = torch.from_numpy(h) if env.np is not None and isinstance(h, env.np.ndarray) else h
            out.append(t.to(dev, copy=True))
        return out

    def sync(_=None):
        if w_device == "cuda":
            torch.cuda.synchronize()

    args = put()
    sync()
    if compiled:
        torch._dynamo.reset()  # a fresh cache: shapes and dtypes change from workload to workload

    def comp(fn):
        return torch.compile(fn, dynamic=False) if compiled else fn

    k = w.kind
    if k == "copy":
        (x,) = args
        y = torch.empty_like(x)
        call = lambda: y.copy_(x)  # noqa: E731
    elif k == "grad":
        wt, x = args
        wt.requires_grad_(True)
        loss = comp(lambda w_, x_: torch.sum((w_ * x_) ** 2))
        call = lambda: torch.autograd.grad(loss(wt, x), wt)[0]  # noqa: E731
    else:
        fns = {
            "chain": lambda a, b: torch.sin(a) * b + a * a / (1 + b),
            "add": lambda a, b: a + b,
            "mul": lambda a, b: a * b,
            "sin": lambda a: torch.sin(a),
            "matmul": lambda a, b: a @ b,
            "fft": lambda x: torch.fft.fft(x),
            "sort": lambda x: torch.sort(x).values,
            "cumsum": lambda x: torch.cumsum(x, 0),
            "cumsum0": lambda x: torch.cumsum(x, 0),
            "softmax": lambda x: torch.softmax(x, dim=-1),
            "stencil": lambda x: x[2:] - 2 * x[1:-1] + x[:-2],
        }
        fn = comp(fns[k])
        call = lambda: fn(*args)  # noqa: E731

    def h2d():
        put()
        sync()

    def d2h(r):
        return host_of(env, r.detach().to("cpu", copy=True))

    return Case(call, sync, h2d, d2h)


def build_torch_compile(w, host, env):
    return build_torch(w, host, env, compiled=True)


_CUPY_KERNELS = {}


def cupy_kernel(cp, kind):
    """The fused elementwise kernels, built once (CuPy compiles them per dtype on first call)."""
    if kind not in _CUPY_KERNELS:
        src = {
            "chain": ("T a, T b", "T y", "y = sin(a) * b + a * a / (1 + b)"),
            "grad": ("T w, T x", "T g", "g = 2 * w * x * x"),
            "stencil": ("T x2, T x1, T x0", "T y", "y = x2 - 2 * x1 + x0"),
        }[kind]
        _CUPY_KERNELS[kind] = cp.ElementwiseKernel(*src, name=f"peers_{kind}")
    return _CUPY_KERNELS[kind]


def build_cupy(w, host, env, kernel=False):
    cp = env.cupy
    if kernel and w.kind not in CUPY_KERNEL_KINDS:
        return None
    if env.np is None:
        return None  # never reached: cupy needs numpy

    def put():
        return [cp.asarray(h) for h in host.values()]

    def sync(_=None):
        cp.cuda.Device().synchronize()

    args = put()
    sync()
    k = w.kind
    if kernel:
        ek = cupy_kernel(cp, k)
        if k == "stencil":
            (x,) = args
            args = [x[2:], x[1:-1], x[:-2]]
        call = lambda: ek(*args)  # noqa: E731
    elif k == "copy":
        (x,) = args
        y = cp.empty_like(x)

        def call():
            cp.copyto(y, x)
            return y

    else:

        def softmax(x):
            e = cp.exp(x - x.max(axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)

        fns = {
            "chain": lambda a, b: cp.sin(a) * b + a * a / (1 + b),
            "add": lambda a, b: a + b,
            "mul": lambda a, b: a * b,
            "sin": lambda a: cp.sin(a),
            "matmul": lambda a, b: a @ b,
            "grad": lambda w_, x: 2 * w_ * x * x,
            "fft": lambda x: cp.fft.fft(x),
            "sort": lambda x: cp.sort(x),
            "cumsum": lambda x: cp.cumsum(x, axis=0),
            "cumsum0": lambda x: cp.cumsum(x, axis=0),
            "softmax": softmax,
            "stencil": lambda x: x[2:] - 2 * x[1:-1] + x[:-2],
        }
        fn = fns[k]
        call = lambda: fn(*args)  # noqa: E731

    def h2d():
        put()
        sync()

    return Case(call, sync, h2d, lambda r: cp.asnumpy(r))


def build_cupy_kernel(w, host, env):
    return build_cupy(w, host, env, kernel=True)


def build_jax(w, host, env):
    jax = env.jax
    jnp = jax.numpy
    dev = env.jax_dev

    def put():
        out = [jax.device_put(h, dev) for h in host.values()]
        for a in out:
            a.block_until_ready()
        return out

    def sync(r=None):
        if r is not None:
            r.block_until_ready()

    args = put()
    fns = {
        "copy": lambda x: jnp.copy(x),  # under jit: an HLO copy into a fresh buffer
        "chain": lambda a, b: jnp.sin(a) * b + a * a / (1 + b),
        "add": lambda a, b: a + b,
        "mul": lambda a, b: a * b,
        "sin": lambda a: jnp.sin(a),
        "matmul": lambda a, b: a @ b,
        "grad": jax.grad(lambda w_, x: jnp.sum((w_ * x) ** 2)),
        "fft": lambda x: jnp.fft.fft(x),
        "sort": lambda x: jnp.sort(x),
        "cumsum": lambda x: jnp.cumsum(x, axis=0),
        "cumsum0": lambda x: jnp.cumsum(x, axis=0),
        "softmax": lambda x: jax.nn.softmax(x, axis=-1),
        "stencil": lambda x: x[2:] - 2 * x[1:-1] + x[:-2],
    }
    f = jax.jit(fns[w.kind])
    call = lambda: f(*args)  # noqa: E731

    def d2h(r):
        # np.asarray caches the host copy on the array; every d2h is timed on a fresh result.
        return env.np.asarray(r) if env.np is not None else jax.device_get(r)

    return Case(call, sync, put, d2h)


BUILDERS = {
    "torch": build_torch,
    "torch_compile": build_torch_compile,
    "cupy": build_cupy,
    "cupy_kernel": build_cupy_kernel,
    "jax": build_jax,
}


def available(env, system):
    return {"torch": env.torch, "cupy": env.cupy, "jax": env.jax}[FAMILY[system]] is not None


# ----------------------------------------------------------------------------------------------
# Timing
# ----------------------------------------------------------------------------------------------


def time_batch(case, k):
    """Seconds per call of a batch of k calls, the device drained before and after."""
    case.sync(None)
    t0 = time.perf_counter()
    r = None
    for _ in range(k):
        r = case.call()
    case.sync(r)
    return (time.perf_counter() - t0) / k


def warm_up(case, calls=3):
    """Times the first call (compilation included), then makes the remaining warm-up calls."""
    case.sync(None)
    t0 = time.perf_counter()
    r = case.call()
    case.sync(r)
    first = time.perf_counter() - t0
    for _ in range(calls - 1):
        case.sync(case.call())
    return first


def calibrate(case, sample_s):
    """The number of calls per sample: the smallest found whose batch lasts at least sample_s."""
    k = 1
    while True:
        per_call = time_batch(case, k)
        if per_call * k >= sample_s or k >= MAX_CALLS_PER_SAMPLE:
            return k
        want = math.ceil(1.2 * sample_s / max(per_call, 1e-9))
        k = min(MAX_CALLS_PER_SAMPLE, max(2 * k, want))


def time_transfers(case, reps):
    """Median seconds of the host-to-device copy of all inputs and device-to-host of the output."""
    h2d = []
    for _ in range(reps):
        t0 = time.perf_counter()
        case.h2d()
        h2d.append(time.perf_counter() - t0)
    d2h, out = [], None
    for _ in range(reps):
        r = case.call()
        case.sync(r)
        t0 = time.perf_counter()
        out = case.d2h(r)
        d2h.append(time.perf_counter() - t0)
        del r
    return statistics.median(h2d), statistics.median(d2h), out


def compare(np, ref, out, dtype):
    """(max error relative to max |ref|, ok) between two host outputs."""
    ref, out = np.asarray(ref), np.asarray(out)
    if ref.shape != out.shape:
        return None, False
    scale = max(float(np.max(np.abs(ref))) if ref.size else 0.0, 1.0)
    err = float(np.max(np.abs(ref.astype(np.complex128) - out.astype(np.complex128)))) / scale if ref.size else 0.0
    return err, err <= (1e-4 if dtype == "f32" else 1e-9)


def run_workload(w, systems, env, inputs, args):
    """All systems on one workload, round-robin. Returns a list of result dicts."""
    host = inputs.for_workload(w)
    in_bytes = inputs.nbytes(host.values())
    results = {}
    cases, calls = {}, {}

    def base(system):
        return {
            "workload": w.name,
            "kind": w.kind,
            "system": system,
            "dtype": w.dtype,
            "n": w.n,
            "shape": list(w.shape),
            "status": "ok",
            "error": None,
        }

    def fail(system, exc, stage):
        msg = f"{stage}: {first_line(exc)}"
        note(f"  {w.label} {system}: failed ({msg})")
        results[system] = dict(base(system), status="failed", error=msg)
        cases.pop(system, None)

    for s in systems:
        try:
            case = BUILDERS[s](w, host, env)
        except Exception as e:
            fail(s, e, "build")
            continue
        if case is None:
            continue  # not applicable
        try:
            first = warm_up(case)
            calls[s] = calibrate(case, args.sample_s)
        except Exception as e:
            fail(s, e, "warm-up")
            continue
        cases[s] = case
        results[s] = dict(base(s), first_call_s=first)

    samples = {s: [] for s in cases}
    for rnd in range(args.rounds):
        order = list(cases)
        if order:
            shift = rnd % len(order)
            order = order[shift:] + order[:shift]
        for s in order:
            try:
                samples[s].append(time_batch(cases[s], calls[s]))
            except Exception as e:
                fail(s, e, "timing")

    outputs = {}
    for s in list(cases):
        try:
            h2d, d2h, out = time_transfers(cases[s], args.xfer_reps)
            outputs[s] = out
        except Exception as e:
            fail(s, e, "transfer")
            continue
        med = statistics.median(samples[s])
        r = results[s]
        r.update(
            median_s=med,
            min_s=min(samples[s]),
            samples_s=samples[s],
            calls_per_sample=calls[s],
            h2d_s=h2d,
            d2h_s=d2h,
            h2d_bytes=in_bytes,
            d2h_bytes=int(out.nbytes) if hasattr(out, "nbytes") else None,
        )
        if w.kind in TRAFFIC:
            traffic = TRAFFIC[w.kind] * w.itemsize * math.prod(w.shape)
            r.update(traffic_bytes=traffic, gbps=traffic / med / 1e9)

    # Every output against the first system's.
    if env.np is not None and outputs:
        ref_sys = next(iter(outputs))
        for s, out in outputs.items():
            try:
                err, ok = compare(env.np, outputs[ref_sys], out, w.dtype)
            except Exception as e:
                err, ok = None, False
                note(f"  {w.label} {s}: output check failed ({first_line(e)})")
            results[s]["check"] = {"ref": ref_sys, "max_rel_err": err, "ok": ok}
            if not ok:
                note(f"  {w.label} {s}: output differs from {ref_sys} (max rel err {err})")

    del cases, outputs, host
    env.free()
    return [results[s] for s in systems if s in results]


# ----------------------------------------------------------------------------------------------
# Reporting
# ----------------------------------------------------------------------------------------------


def human_time(s):
    if s is None:
        return "—"
    if s < 1e-6:
        return f"{s * 1e9:.3g} ns"
    if s < 1e-3:
        return f"{s * 1e6:.3g} µs"
    if s < 1:
        return f"{s * 1e3:.3g} ms"
    return f"{s:.3g} s"


def human_n(w):
    if w.kind == "matmul":
        return f"{w.n}×{w.n}"
    if len(w.shape) > 1:
        return "×".join(str(d) for d in w.shape)
    for div, suffix in ((1_000_000, "M"), (1_000, "K")):
        if w.n >= div and w.n % div == 0:
            return f"{w.n // div}{suffix}"
    return str(w.n)


def markdown(rows, header):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def report(env, workloads, all_results, systems, args):
    cols = [s for s in systems if any(r["system"] == s for rs in all_results for r in rs)]
    by = {(r["workload"], r["dtype"], r["system"]): r for rs in all_results for r in rs}
    out = []
    gpu = env.gpu or "(no GPU)"
    out.append(f"## GPU peers — device `{args.device}`, {gpu}")
    out.append("")
    out.append(
        "Peers: "
        + ", ".join(f"{k} {v.get('version')}" for k, v in env.peers.items())
        + (("; skipped: " + ", ".join(f"{k} ({v})" for k, v in env.skipped.items())) if env.skipped else "")
    )
    out.append(
        f"Median seconds per call over {args.rounds} samples of ≥ {args.sample_s} s each; "
        "GB/s counts minimal traffic (copy/stencil 2·n, chain 3·n items). — = not applicable."
    )
    out.append("")

    def cell(r, what):
        if r is None:
            return "—"
        if r["status"] != "ok":
            return "failed"
        if what == "median":
            text = human_time(r["median_s"])
            if r.get("gbps") is not None:
                g = r["gbps"]
                text += f" · {g:.0f} GB/s" if g >= 100 else f" · {g:.3g} GB/s"
            if r.get("check") and not r["check"]["ok"]:
                text += " (differs!)"
            return text
        if what == "xfer":
            return f"{human_time(r['h2d_s'])} / {human_time(r['d2h_s'])}"
        return human_time(r.get("first_call_s"))

    tables = [
        ("median", "Time per call"),
        ("xfer", "Transfers: host→device of the inputs / device→host of the output"),
        ("first", "First call (includes compilation)"),
    ]
    for what, title in tables:
        out.append(f"### {title}")
        out.append("")
        rows = []
        for w in workloads:
            rows.append([w.name, w.dtype, human_n(w)] + [cell(by.get((w.name, w.dtype, s)), what) for s in cols])
        out.append(markdown(rows, ["workload", "dtype", "n"] + cols))
        out.append("")
    return "\n".join(out)


def write_json(path, env, args, all_results, started):
    meta = {
        "started": started,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "host": platform.node(),
        "device": args.device,
        "gpu": env.gpu or None,
        "peers": env.peers,
        "skipped_peers": env.skipped,
        "args": {k: getattr(args, k) for k in ("only", "systems", "rounds", "sample_s", "xfer_reps", "device")},
        "notes": [
            "median_s/min_s/samples_s: seconds per call; each sample is a batch of calls_per_sample calls",
            "first_call_s: the first call alone, compilation included",
            "h2d_s: all inputs host->device from pageable memory; d2h_s: the output device->host",
            "gbps: traffic_bytes / median_s / 1e9 (copy, stencil: 2*itemsize*n; chain: 3*itemsize*n)",
            "f32 matmul without TF32 (torch allow_tf32=False, jax precision highest, cupy default)",
            "check: output compared with the first system's (max |diff| / max(|ref|, 1))",
        ],
    }
    results = [r for rs in all_results for r in rs]
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"meta": meta, "results": results}, f, indent=1)
    os.replace(tmp, path)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", default="", help="comma-separated workload names (prefix match; e.g. add,fft_1M,sort_1K_f64)")
    p.add_argument("--systems", default="", help="comma-separated: torch, cupy, jax (families) or " + ", ".join(SYSTEMS))
    p.add_argument("--rounds", type=int, default=15, help="samples per (workload, system) (default 15)")
    p.add_argument("--sample-s", type=float, default=0.005, help="minimum seconds per sample batch (default 0.005)")
    p.add_argument("--quick", action="store_true", help="5 rounds, 3 transfer repetitions")
    p.add_argument("--xfer-reps", type=int, default=5, help="repetitions of each transfer timing (default 5)")
    p.add_argument("--device", choices=("cuda", "cpu"), default="cuda", help="cpu: smoke test of torch and jax on the CPU, sizes capped at 1M")
    p.add_argument("--json", metavar="PATH", help="write every result as JSON (rewritten after each workload)")
    p.add_argument("--list", action="store_true", help="list the workloads and exit")
    args = p.parse_args(argv)
    if args.quick:
        args.rounds = 5
        args.xfer_reps = min(args.xfer_reps, 3)
    args.rounds = max(1, args.rounds)
    args.xfer_reps = max(1, args.xfer_reps)
    return args


def select_systems(spec):
    if not spec:
        return list(SYSTEMS)
    chosen = []
    for tok in (t.strip() for t in spec.split(",")):
        if not tok:
            continue
        match = [s for s in SYSTEMS if s == tok] or [s for s in SYSTEMS if FAMILY[s] == tok]
        if not match:
            raise SystemExit(f"unknown system {tok!r}: choose from torch, cupy, jax or " + ", ".join(SYSTEMS))
        chosen += [s for s in match if s not in chosen]
    return [s for s in SYSTEMS if s in chosen]


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    workloads = expand_workloads(args.only, args.device)
    if args.list:
        for w in workloads:
            print(f"{w.label:20s} {human_n(w):>12s}  {DESCRIPTIONS[w.kind]}")
        return 0
    if not workloads:
        raise SystemExit(f"no workload matches --only {args.only!r}")
    systems = select_systems(args.systems)
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    env = load_peers(args.device, {FAMILY[s] for s in systems})
    systems = [s for s in systems if available(env, s)]
    if not systems or (env.np is None and env.torch is None):
        if args.json:  # the versions and the reasons for skipping, for the record
            write_json(args.json, env, args, [], started)
        note("no peer available: nothing to time")
        return 1
    inputs = Inputs(env.np, env.torch)

    all_results = []
    for w in workloads:
        t0 = time.perf_counter()
        try:
            res = run_workload(w, systems, env, inputs, args)
        except Exception as e:  # inputs could not be made (host memory, ...)
            note(f"{w.label}: skipped ({first_line(e)})")
            env.free()
            continue
        all_results.append(res)
        summary = ", ".join(
            f"{r['system']} {human_time(r.get('median_s'))}" if r["status"] == "ok" else f"{r['system']} failed" for r in res
        )
        note(f"{w.label} ({time.perf_counter() - t0:.1f} s): {summary}")
        if args.json:
            write_json(args.json, env, args, all_results, started)

    print(report(env, workloads, all_results, systems, args))
    if args.json:
        write_json(args.json, env, args, all_results, started)
        note(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
