#!/usr/bin/env python3
"""Merges `arr bench --json` (arrjit on the GPU) and `peers_gpu.py --json` (PyTorch, CuPy, JAX)
into one markdown table: medians per call, arrjit's kernel time and transfers apart, and the
ratio of the fastest peer to arrjit. With `--out DIR` it also writes DIR/table.json (every
system's median per workload, and each peer's over arrjit's) and DIR/charts/NAME.svg, a bar
chart per workload in the style of the CPU suite's (benches/suite/run.py).

    python3 benches/gpu/merge.py ARR_JSON PEERS_JSON [--out DIR] > table.md
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "suite"))
import run as suite  # noqa: E402  (the CPU suite's chart code)

PEERS = ["torch", "torch_compile", "cupy", "cupy_kernel", "jax"]


def human(s):
    if s is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s * 1e9:.3g} ns"


def rows(arr, peers):
    """{workload: {system: {"median_s": …}}}: arrjit's modes as arr_fused and arr_unfused (with
    the fused run's kernel and transfer times), the peers under their own names."""
    out = {}
    for b in arr:
        row = out.setdefault(b["name"], {})
        keep = ("median_s", "kernel_s", "h2d_s", "d2h_s")
        row[f"arr_{b['mode']}"] = {k: b[k] for k in keep if b.get(k) is not None}
    for r in peers["results"]:
        name = f"{r['workload']}_{r['dtype']}"
        if r.get("status") == "ok" and name in out:
            out[name][r["system"]] = {"median_s": r["median_s"]}
    return out


def write_outputs(out_dir, merged, meta):
    """table.json and charts/*.svg under out_dir."""
    (out_dir / "charts").mkdir(parents=True, exist_ok=True)
    doc = {
        "meta": meta,
        "medians_s": {n: {s: st["median_s"] for s, st in row.items()} for n, row in merged.items()},
        "ratios_to_arr_fused": suite.ratios(merged),
        "results": merged,
    }
    (out_dir / "table.json").write_text(json.dumps(doc, indent=1) + "\n")
    for name, row in merged.items():
        # Names are KIND_SIZE_DTYPE (`chain_100M_f32`).
        kind, size, dtype = (name.split("_") + ["", ""])[:3]
        what = f"{kind}, {dtype}, {meta.get('gpu', 'GPU')}"
        (out_dir / "charts" / f"{name}.svg").write_text(suite.svg_chart(name, row, (what, size)))


def main():
    args = sys.argv[1:]
    out_dir = None
    if "--out" in args:
        i = args.index("--out")
        out_dir = Path(args[i + 1])
        del args[i : i + 2]
    arr = json.load(open(args[0]))["benches"]
    peers = json.load(open(args[1]))
    if out_dir:
        write_outputs(out_dir, rows(arr, peers), peers.get("meta", {}))
    by_key = {}
    for r in peers["results"]:
        if r.get("status") == "ok":
            by_key.setdefault(f"{r['workload']}_{r['dtype']}", {})[r["system"]] = r
    meta = peers.get("meta", {})
    print(f"GPU: {meta.get('gpu')}; peers: "
          + ", ".join(f"{k} {v.get('version')}" for k, v in meta.get("peers", {}).items()))
    print()
    cols = ["arr fused", "arr kernels", "arr h2d", "arr d2h", "arr unfused"] + PEERS + ["best peer / arr"]
    print("| workload | " + " | ".join(cols) + " |")
    print("|---" * (len(cols) + 1) + "|")
    names = []
    for b in arr:
        if b["name"] not in names:
            names.append(b["name"])
    for name in names:
        fused = next((b for b in arr if b["name"] == name and b["mode"] == "fused"), None)
        unfused = next((b for b in arr if b["name"] == name and b["mode"] == "unfused"), None)
        row = [
            human(fused and fused["median_s"]),
            human(fused and fused.get("kernel_s")),
            human(fused and fused.get("h2d_s")),
            human(fused and fused.get("d2h_s")),
            human(unfused and unfused["median_s"]),
        ]
        got = by_key.get(name, {})
        times = []
        for p in PEERS:
            r = got.get(p)
            row.append(human(r and r["median_s"]))
            if r:
                times.append(r["median_s"])
        ratio = "-"
        if fused and times and fused["median_s"] > 0:
            ratio = f"{min(times) / fused['median_s']:.2f}x"
        row.append(ratio)
        print(f"| {name} | " + " | ".join(row) + " |")
    # Bandwidth of the copy and the fused chain, from arrjit's kernel time.
    print()
    for name, arrays in (("copy_100M_f32", 2), ("chain_100M_f32", 3), ("stencil_100M_f32", 2)):
        b = next((b for b in arr if b["name"] == name and b["mode"] == "fused"), None)
        if b and b.get("kernel_s"):
            gbps = arrays * 4 * 100_000_000 / b["kernel_s"] / 1e9
            peer = by_key.get(name, {})
            best = max((r.get("gbps") or 0 for r in peer.values()), default=0)
            print(f"- {name}: arrjit {gbps:.0f} GB/s (kernel time); best peer {best:.0f} GB/s")


if __name__ == "__main__":
    main()
