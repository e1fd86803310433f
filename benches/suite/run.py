#!/usr/bin/env python3
"""The NumPy/JAX/PyTorch comparison, reproduced: arrjit against its peers, in one run.

    python3 benches/suite/run.py                    # everything, every installed peer
    python3 benches/suite/run.py --quick            # fewer samples, the main peers: ~1.5 min
    python3 benches/suite/run.py --only add_1M,matmul_100
    python3 benches/suite/run.py --self-test        # checks the table and chart code; no venv

The workloads are the `bench` blocks of benches/suite/*.arr: the five of the well-known
comparison (element-wise a+b, a*b, sin(a); matmul; the gradient of sum((w*x)**2); FFT; sort),
each at a small and a large size, and those where fusion matters most (an element-wise chain, a
softmax over rows, a stencil, a logistic-regression gradient, and compile latency). Their names
are workload names of benches/peers/peers.py, which times the same workloads in the peers.

Steps, all on this machine, on `--threads` threads (2 by default; the process is pinned):
1. builds arr (`cargo build --release`), unless `--arr PATH` names a binary;
2. creates the peers' virtual environment with benches/peers/setup.sh if it is missing (pinned
   versions in benches/peers/requirements.txt; `--python PATH` uses another interpreter,
   `--no-peers` skips the peers);
3. script by script: runs `arr bench --json SCRIPT` in its own process (fused, unfused and
   interpreted), then benches/peers/peers.py on the same workloads in that environment:
   NumPy, JAX, PyTorch, Numba and the others it knows, each skipped with a note if missing;
4. writes into `--out` (benches/suite/out/ by default, git-ignored): `table.md` (medians, and
   each peer's median divided by arrjit's fused median: above 1, arrjit is faster),
   `results.json` (every median, ratio, sample count, version and skip), and
   `charts/<workload>.svg`, one bar chart per workload and size, log-scaled where the bars
   differ by orders of magnitude.

The compile rows are the time to the first result: for arrjit the backend's compile time plus
the median run; for the peers a freshly jitted function's first call in a fresh process, then
its first call on a new size. Only the Python standard library is needed here.
"""

import argparse
import html
import json
import math
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "benches" / "peers"))
import peers  # noqa: E402  (the workload table, thread pinning and `arr bench` parsing)

# The scripts, in the order their rows appear.
SCRIPTS = ["elementwise.arr", "matmul.arr", "grad.arr", "fft.arr", "sort.arr", "fusion.arr",
           "compile.arr"]
ARR_COLUMNS = ["arr_fused", "arr_unfused", "arr_interp"]
REFERENCE = "arr_fused"  # the column every ratio divides by
HEADLINE_PEERS = ["numpy", "jax", "torch", "numba"]  # the original's three, and Numba
QUICK_PEERS = HEADLINE_PEERS + ["torch_compile"]
LABELS = {
    "arr_fused": "arrjit",
    "arr_unfused": "arrjit unfused",
    "arr_interp": "arrjit interp",
    "numpy": "NumPy",
    "numpy_out": "NumPy out=",
    "numexpr": "numexpr",
    "jax": "JAX",
    "torch": "PyTorch",
    "torch_compile": "torch.compile",
    "numba": "Numba",
    "numba_par": "Numba parallel",
    "scipy": "SciPy",
    "pyfftw": "pyFFTW",
    "cupy": "CuPy",
    "cupy_kernel": "CuPy kernel",
}
COLOURS = {
    "arr_fused": "#c0392b",
    "arr_unfused": "#e08070",
    "arr_interp": "#f0b8ad",
    "numpy": "#4c72b0",
    "numpy_out": "#8aa6d6",
    "numexpr": "#64b5cd",
    "jax": "#55a868",
    "torch": "#8172b2",
    "torch_compile": "#b3a6e0",
    "numba": "#dd8452",
    "numba_par": "#f2b880",
    "scipy": "#937860",
    "pyfftw": "#8c8c8c",
    "cupy": "#2a9d8f",
    "cupy_kernel": "#8fd3c9",
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------------
# The workloads
# ----------------------------------------------------------------------------------------------


def bench_names(script):
    """The names of a script's `bench "name" { … }` blocks, in order."""
    return re.findall(r'^\s*bench\s+"([^"]+)"', Path(script).read_text(), flags=re.M)


def suite(only=None):
    """[(script path, [workload names])] for the scripts that hold a selected workload."""
    out = []
    for name in SCRIPTS:
        path = HERE / name
        names = [w for w in bench_names(path) if only is None or w in only]
        if names:
            out.append((path, names))
    return out


def describe(name):
    """(what, size) of a workload, for tables and chart titles."""
    if name in peers.COLD_WORKLOADS:
        what = f"{peers.DESCRIPTIONS['chain']}, time to first result"
        n = peers.COLD_N if name == peers.COLD else peers.RESIZE_N
        when = "first call" if name == peers.COLD else "second call, new size"
        return what, f"{n:,} ({when})"
    kind, n = peers.WORKLOADS[name]
    what = peers.DESCRIPTIONS[kind].split(" (hand-written")[0]
    if kind in ("matmul", "softmax"):
        return what, f"{n:,}×{n:,}"
    if kind == "logreg":
        return what, f"{n:,}×100"
    return what, f"{n:,}"


# ----------------------------------------------------------------------------------------------
# Running arr and the peers
# ----------------------------------------------------------------------------------------------


def build_arr():
    log("cargo build --release")
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "arr"], cwd=REPO,
                   check=True)
    return REPO / "target" / "release" / "arr"


def run_arr(arr, script, names, quick, threads):
    """{workload: {arr column: stats}} from `arr bench --json SCRIPT`, in its own process."""
    options = ["--min-time", "0.1"] if quick else []
    got, _ = peers.run_arr(arr, threads, script=script, options=options)
    return {name: got.get(name, {}) for name in names}


def peer_python(args, notes):
    """The interpreter that runs peers.py, creating the virtual environment if need be."""
    if args.python:
        return args.python
    venv_python = REPO / "benches" / "peers" / ".venv" / "bin" / "python"
    if not venv_python.exists():
        log("creating benches/peers/.venv with benches/peers/setup.sh (a few minutes)")
        p = subprocess.run(["bash", str(REPO / "benches" / "peers" / "setup.sh")], cwd=REPO)
        if p.returncode != 0 and not venv_python.exists():
            notes.append(f"peers skipped: benches/peers/setup.sh exited {p.returncode}")
            return None
    return str(venv_python)


def run_peers(python, script, names, args, out_dir):
    """peers.py's JSON document for one script's workloads, which it also writes to
    peers/<script>.json (and its table to peers/<script>.md)."""
    (out_dir / "peers").mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "peers" / f"{script.stem}.json"
    cmd = [python, str(REPO / "benches" / "peers" / "peers.py"), "--threads", str(args.threads),
           "--only", ",".join(names), "--json", str(json_path)]
    if args.quick:
        cmd.append("--quick")
    systems = args.systems or (",".join(QUICK_PEERS) if args.quick else None)
    if systems:
        cmd += ["--systems", systems]
    log(" ".join(cmd))
    with open(json_path.with_suffix(".md"), "w") as table:
        p = subprocess.run(cmd, cwd=REPO, stdout=table)
    if p.returncode != 0:
        raise RuntimeError(f"peers.py exited {p.returncode}")
    return json.loads(json_path.read_text())


# ----------------------------------------------------------------------------------------------
# Merging
# ----------------------------------------------------------------------------------------------


def merge(names, arr_rows, peers_docs):
    """{workload: {system: stats}} for the selected workloads, arr's columns first, from arr's
    rows and peers.py's JSON documents (one per script)."""
    results = {name: dict(arr_rows.get(name, {})) for name in names}
    for doc in peers_docs:
        for r in doc.get("results", []):
            if r["workload"] in results and not r["system"].startswith("arr_"):
                stats = {k: v for k, v in r.items() if k not in ("workload", "system")}
                results[r["workload"]][r["system"]] = stats
    return results


def merged_skips(peers_docs):
    """{system: reason, or {workload: reason}} over every peers.py document."""
    out = {}
    for doc in peers_docs:
        for system, why in doc.get("skipped", {}).items():
            if isinstance(why, dict) and isinstance(out.get(system, {}), dict):
                out.setdefault(system, {}).update(why)
            else:
                out[system] = why
    return out


def ratios(results):
    """{workload: {system: its median / arrjit fused's median}}: above 1, arrjit is faster."""
    out = {}
    for name, row in results.items():
        ref = row.get(REFERENCE, {}).get("median_s")
        out[name] = {s: st["median_s"] / ref for s, st in row.items()
                     if ref and s != REFERENCE and st.get("median_s")}
    return out


def columns(results):
    """The systems with at least one result, in LABELS order."""
    present = {s for row in results.values() for s in row}
    return [s for s in LABELS if s in present]


def fastest_peer(row):
    peer = {s: st["median_s"] for s, st in row.items()
            if not s.startswith("arr_") and st.get("median_s")}
    return min(peer, key=peer.get) if peer else None


# ----------------------------------------------------------------------------------------------
# The table
# ----------------------------------------------------------------------------------------------


def fmt(s):
    return peers.fmt(s)


def ratio_text(r):
    return f"{r:.2g}x" if r < 10 else f"{r:.0f}x"


def markdown_table(results, systems):
    """One row per workload: each system's median, and for the peers the ratio to arrjit."""
    rs = ratios(results)
    head = ["workload", "size"] + [LABELS[s] for s in systems] + ["fastest peer", "arrjit vs it"]
    lines = ["| " + " | ".join(head) + " |", "|---|---|" + "---:|" * (len(head) - 2)]
    for name, row in results.items():
        _, size = describe(name)
        cells = [f"`{name}`", size]
        for s in systems:
            median = row.get(s, {}).get("median_s")
            cell = fmt(median) if median else "–"
            if median and not s.startswith("arr_") and s in rs[name]:
                cell += f" ({ratio_text(rs[name][s])})"
            cells.append(cell)
        best = fastest_peer(row)
        cells.append(f"{LABELS[best]} {fmt(row[best]['median_s'])}" if best else "–")
        cells.append(ratio_text(rs[name][best]) if best and best in rs[name] else "–")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def skipped_lines(skipped):
    lines = []
    for system, why in sorted(skipped.items()):
        if isinstance(why, dict):
            for w, msg in why.items():
                lines.append(f"- {LABELS.get(system, system)} on `{w}`: {msg}")
        else:
            lines.append(f"- {LABELS.get(system, system)}: {why}")
    return lines


def report(results, meta):
    """table.md: the headline (arrjit and the original's peers), then every system."""
    systems = columns(results)
    headline = [s for s in [REFERENCE] + HEADLINE_PEERS if s in systems]
    out = [
        "# arrjit against NumPy, JAX, PyTorch and Numba",
        "",
        f"`{meta['command']}` on {meta['machine']} (commit {meta.get('commit', '?')}, "
        f"{meta.get('date', '?')}); {meta['threads']} threads, float64. "
        "Medians per call; in parentheses each peer's median divided by arrjit's (fused): "
        "above 1x, arrjit is faster. Compile rows: time to the first result.",
        "",
        markdown_table(results, headline),
        "",
        "## Every system",
        "",
        markdown_table(results, systems),
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in meta.get("versions", {}).items()),
    ]
    notes = meta.get("notes", []) + skipped_lines(meta.get("skipped", {}))
    if notes:
        out += ["", "Skipped:", *notes]
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------------------------
# The charts
# ----------------------------------------------------------------------------------------------


def nice_step(span, ticks=5):
    """A step of 1, 2 or 5 times a power of ten giving about `ticks` ticks over `span`."""
    raw = span / ticks
    p = 10 ** math.floor(math.log10(raw))
    return next(m * p for m in (1, 2, 5, 10) if m * p >= raw)


def chart_scale(values):
    """(log?, low, high, ticks) of the y axis: log when the bars span more than 10x."""
    lo, hi = min(values), max(values)
    if hi / lo > 10:
        a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
        b = max(b, a + 1)
        return True, 10.0**a, 10.0**b, [10.0**k for k in range(a, b + 1)]
    step = nice_step(hi)
    top = step * math.ceil(hi / step)
    return False, 0.0, top, [step * k for k in range(round(top / step) + 1)]


def svg_chart(name, row, what_size=None):
    """A bar chart of the medians of one workload: a bar per system, arrjit's in red. The
    subtitle is `what_size` (what, size), else the workload's description."""
    bars = [(s, row[s]["median_s"]) for s in LABELS if row.get(s, {}).get("median_s")]
    width, height = max(560, 120 + 78 * len(bars)), 400
    left, right, top, bottom = 84, 20, 56, 96
    plot_w, plot_h = width - left - right, height - top - bottom
    what, size = what_size or describe(name)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">'
        f"{html.escape(name)}</text>",
        f'<text x="{width / 2}" y="40" text-anchor="middle" fill="#444">'
        f"{html.escape(what)}; n = {html.escape(size)}</text>",
    ]
    if not bars:
        out.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">no results</text>')
        return "\n".join(out + ["</svg>"]) + "\n"
    is_log, lo, hi, ticks = chart_scale([v for _, v in bars])

    def y(v):
        f = (math.log10(v / lo) / math.log10(hi / lo)) if is_log else (v - lo) / (hi - lo)
        return top + plot_h * (1 - f)

    for t in ticks:
        out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(t):.1f}" y2="{y(t):.1f}" '
                   'stroke="#ddd"/>')
        label = fmt(t) if t > 0 else "0"
        out.append(f'<text x="{left - 6}" y="{y(t) + 4:.1f}" text-anchor="end">{label}</text>')
    scale = "log scale" if is_log else "linear scale"
    out.append(f'<text transform="translate(18 {top + plot_h / 2}) rotate(-90)" '
               f'text-anchor="middle" fill="#444">median time per call ({scale}, lower is better)'
               "</text>")
    slot = plot_w / len(bars)
    for i, (s, v) in enumerate(bars):
        x = left + slot * i + slot * 0.15
        w = slot * 0.7
        y0 = y(v)
        out.append(f'<rect class="bar" data-system="{s}" x="{x:.1f}" y="{y0:.1f}" width="{w:.1f}" '
                   f'height="{top + plot_h - y0:.1f}" fill="{COLOURS[s]}"><title>{LABELS[s]}: '
                   f"{fmt(v)}</title></rect>")
        out.append(f'<text x="{x + w / 2:.1f}" y="{y0 - 4:.1f}" text-anchor="middle" '
                   f'font-size="11">{fmt(v)}</text>')
        cx, cy = x + w / 2, top + plot_h + 14
        out.append(f'<text transform="translate({cx:.1f} {cy:.1f}) rotate(-30)" '
                   f'text-anchor="end">{html.escape(LABELS[s])}</text>')
    out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" '
               'stroke="#333"/>')
    return "\n".join(out + ["</svg>"]) + "\n"


# ----------------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------------


def machine():
    model = platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} logical CPUs"


def commit():
    """The checked-out commit, with `+changes` if the tree differs from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=REPO, capture_output=True, text=True).stdout.strip()
        return head + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_outputs(out_dir, results, meta):
    """table.md, results.json and charts/*.svg in out_dir; returns table.md's text."""
    (out_dir / "charts").mkdir(parents=True, exist_ok=True)
    text = report(results, meta)
    (out_dir / "table.md").write_text(text)
    doc = {
        **meta,
        "reference": REFERENCE,
        "workloads": {n: dict(zip(("what", "size"), describe(n))) for n in results},
        "medians_s": {n: {s: st["median_s"] for s, st in row.items()}
                      for n, row in results.items()},
        "ratios_to_arr_fused": ratios(results),
        "results": results,
    }
    (out_dir / "results.json").write_text(json.dumps(doc, indent=1) + "\n")
    for name, row in results.items():
        (out_dir / "charts" / f"{name}.svg").write_text(svg_chart(name, row))
    return text


def self_test():
    import unittest

    tests = unittest.defaultTestLoader.discover(str(HERE), pattern="test_*.py")
    ok = unittest.TextTestRunner(verbosity=1).run(tests).wasSuccessful()
    sys.exit(0 if ok else 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="fewer samples (arr: 0.1 s per mode; peers: 5 rounds, 1 cold sample) "
                    f"and only the peers {','.join(QUICK_PEERS)} unless --systems says otherwise")
    ap.add_argument("--only", help="comma-separated workload names")
    ap.add_argument("--systems", help="comma-separated peers for peers.py "
                    f"(of {','.join(peers.SYSTEMS)})")
    ap.add_argument("--threads", type=int, default=2, help="threads for arr and every peer (2)")
    ap.add_argument("--out", type=Path, default=HERE / "out", help="output folder")
    ap.add_argument("--arr", metavar="PATH", help="arr binary to use (default: build it)")
    ap.add_argument("--python", metavar="PATH",
                    help="interpreter for the peers (default: benches/peers/.venv, created)")
    ap.add_argument("--no-peers", action="store_true", help="time arrjit only")
    ap.add_argument("--self-test", action="store_true", help="run the unit tests and exit")
    args = ap.parse_args()
    if args.self_test:
        self_test()

    only = None
    if args.only:
        only = {w.strip() for w in args.only.split(",")}
        known = {w for _, names in suite() for w in names}
        if only - known:
            ap.error(f"unknown workloads {sorted(only - known)}; known: {sorted(known)}")
    scripts = suite(only)
    names = [w for _, ws in scripts for w in ws]
    peers.set_threads(args.threads)  # pins this process, so arr and peers.py too
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.time()

    arr = Path(args.arr) if args.arr else build_arr()
    notes, python = [], None
    if args.no_peers:
        notes.append("peers skipped: --no-peers")
    else:
        python = peer_python(args, notes)

    # Script by script, arr then the peers on the same workloads: each comparison is measured
    # within a few seconds, so that a drift in the machine's speed between the two is small.
    arr_rows, peers_docs = {}, []
    for script, script_names in scripts:
        log(f"{script.name}: {', '.join(script_names)}")
        arr_rows.update(run_arr(arr, script, script_names, args.quick, args.threads))
        if python:
            try:
                peers_docs.append(run_peers(python, script, script_names, args, args.out))
            except Exception as e:
                notes.append(f"peers skipped on {script.name}: {type(e).__name__}: {e}")
    for note in notes:
        log(note)

    results = merge(names, arr_rows, peers_docs)
    command = "python3 benches/suite/run.py"
    for flag, value in (("--quick", args.quick), ("--no-peers", args.no_peers)):
        command += f" {flag}" if value else ""
    for flag, value in (("--only", args.only), ("--systems", args.systems)):
        command += f" {flag} {value}" if value else ""
    command += f" --threads {args.threads}" if args.threads != 2 else ""
    meta = {
        "command": command,
        "machine": machine(),
        "commit": commit(),
        "threads": args.threads,
        "quick": args.quick,
        "date": time.strftime("%Y-%m-%d"),
        "seconds": round(time.time() - started),
        "versions": (peers_docs[0]["versions"] if peers_docs
                     else {"python": platform.python_version()}),
        "skipped": merged_skips(peers_docs),
        "notes": [f"- {n}" for n in notes],
    }
    text = write_outputs(args.out, results, meta)
    print(text)
    log(f"wrote {args.out}/table.md, results.json and charts/ ({meta['seconds']} s)")


if __name__ == "__main__":
    main()
