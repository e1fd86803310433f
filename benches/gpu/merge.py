#!/usr/bin/env python3
"""Merges `arr bench --json` (arrjit on the GPU) and `peers_gpu.py --json` (PyTorch, CuPy, JAX)
into one markdown table: medians per call, arrjit's kernel time and transfers apart, and the
ratio of the fastest peer to arrjit.

    python3 benches/gpu/merge.py ARR_JSON PEERS_JSON > table.md
"""
import json
import sys

PEERS = ["torch", "torch_compile", "cupy", "cupy_kernel", "jax"]


def human(s):
    if s is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s * 1e9:.3g} ns"


def main():
    arr = json.load(open(sys.argv[1]))["benches"]
    peers = json.load(open(sys.argv[2]))
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
