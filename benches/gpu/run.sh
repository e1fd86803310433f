#!/usr/bin/env bash
# Every GPU check and benchmark of arrjit in one go, on a machine with an NVIDIA GPU, its
# driver, and Python with PyTorch, CuPy and JAX. It builds nothing: build elsewhere with
#     cargo build --release --tests
# and bring the working tree with target/release/arr and target/release/deps/cuda_backend-*.
#
#     benches/gpu/run.sh [OUT_DIR]        (default: $OUT, else benches/gpu/out)
#
# It runs, writing each result under OUT_DIR:
#   1. `arr run --device cuda` on a small script (the device, NVRTC and a launch work);
#   2. tests/cuda_backend.rs on the device (ARRJIT_TEST_DEVICE=cuda): the differential corpus
#      (ARRJIT_CUDA_CASES random programs, default 2000) against the interpreter, the edge
#      cases of reductions, the API, the examples and `arr bench`;
#   3. `arr bench --device cuda --json benches/gpu/suite.arr` (fused and unfused);
#   4. benches/gpu/peers_gpu.py: PyTorch, CuPy and JAX on the same workloads;
#   5. benches/gpu/merge.py: one markdown table of both (table.md).
# A failing step is reported and the next one runs; the exit status is that of the tests.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${1:-${OUT:-benches/gpu/out}}
mkdir -p "$out"
arr=target/release/arr
tests=$(ls -t target/release/deps/cuda_backend-* 2>/dev/null | grep -v '\.d$' | head -1)
[ -x "$arr" ] || { echo "missing $arr: run cargo build --release --tests first" >&2; exit 2; }
[ -n "$tests" ] || { echo "missing target/release/deps/cuda_backend-*" >&2; exit 2; }

# NVRTC and cuBLAS: the CUDA toolkit's, else those of the Python wheels (PyTorch ships both).
py=${PYTHON:-python3}
libdirs=$("$py" - <<'PY'
import glob, os, site
dirs = ["/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib"]
for s in site.getsitepackages() + [site.getusersitepackages()]:
    dirs += glob.glob(os.path.join(s, "nvidia", "*", "lib"))
print(":".join(d for d in dirs if os.path.isdir(d)))
PY
)
export LD_LIBRARY_PATH="${libdirs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export ARRJIT_ARR_BIN="$PWD/$arr"
export ARRJIT_CACHE_DIR="$out/cache"

step() { echo; echo "=== $*"; }
status=0
{ nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv; } \
    > "$out/gpu.txt" 2>&1
cat "$out/gpu.txt"

step "1. smoke: arr run --device cuda"
"$arr" run --device cuda tests/data/ir/chain.arr 2>&1 | tee "$out/smoke.txt"
"$arr" run tests/data/ir/chain.arr 2>&1 | tee -a "$out/smoke.txt"

step "2. tests on the device"
ARRJIT_TEST_DEVICE=cuda ARRJIT_CUDA_CASES=${ARRJIT_CUDA_CASES:-2000} \
    "$tests" --test-threads 2 2>&1 | tee "$out/tests.txt"
status=${PIPESTATUS[0]}

step "3. arr bench --device cuda"
"$arr" bench --device cuda --mode fused,unfused --json benches/gpu/suite.arr \
    > "$out/arr.json" 2> "$out/arr.stderr" || echo "arr bench failed: see $out/arr.stderr"
tail -3 "$out/arr.stderr"

step "4. peers: PyTorch, CuPy, JAX"
"$py" benches/gpu/peers_gpu.py --json "$out/peers.json" 2>&1 | tee "$out/peers.txt"

step "5. the table"
"$py" benches/gpu/merge.py "$out/arr.json" "$out/peers.json" | tee "$out/table.md"
exit "$status"
