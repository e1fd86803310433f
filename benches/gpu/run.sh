#!/usr/bin/env bash
# Every GPU check and benchmark of arrjit in one go, on a machine with an NVIDIA GPU, its
# driver, and Python with PyTorch, CuPy and JAX. It builds nothing: build elsewhere with
#     cargo build --release --tests
# and bring the working tree with target/release/arr and the test binaries
# target/release/deps/{cuda_backend,edge_values}-*, or put (stripped) copies of the three in
# target/gpu/ as arr, cuda_backend and edge_values: about 35 MB, easier to carry.
#
#     benches/gpu/run.sh [OUT_DIR]        (default: $OUT, else benches/gpu/out)
#
# It runs, writing each result under OUT_DIR:
#   1. `arr run --device cuda` on a small script (the device, NVRTC and a launch work);
#   2. tests/cuda_backend.rs on the device (ARRJIT_TEST_DEVICE=cuda): the differential corpus
#      (ARRJIT_CUDA_CASES random programs, default 800) against the interpreter, the edge
#      cases of reductions, the API, the examples and `arr bench`; then tests/edge_values.rs
#      (the same bits as the CPU for NaN, signed zeros, wrap-around, subnormals);
#   3. `arr bench --device cuda --json benches/gpu/suite.arr` (fused and unfused);
#   4. benches/gpu/peers_gpu.py: PyTorch, CuPy and JAX on the same workloads;
#   5. benches/gpu/merge.py: one markdown table of both (table.md), the same as JSON
#      (table.json), and a bar chart per workload (charts/NAME.svg);
#   6. where Nsight Systems (`nsys`) is installed, a profile of `a + b` on 1M f64 values in
#      `arr bench` and in PyTorch, summed up per kernel and per CUDA call (profile.txt): what
#      each spends on the device and on the host per call.
# A failing step is reported and the next one runs; the exit status is that of the tests. Each
# step has a time limit (STEP_LIMIT seconds, 300 by default), so that one that hangs leaves time
# for the rest. STEPS picks steps (STEPS=45: the peers and the table only; all by default). On
# an H100, steps 1 and 2 took 231 s with 800 programs: where one command may run 10 minutes at
# most, run STEPS=12, then STEPS=3456.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${1:-${OUT:-benches/gpu/out}}
mkdir -p "$out"
# The newest build of test binary $1: target/gpu/$1, else target/release/deps/$1-*.
test_binary() {
    if [ -x "target/gpu/$1" ]; then echo "target/gpu/$1"; return; fi
    ls -t target/release/deps/"$1"-* 2>/dev/null | grep -v '\.d$' | head -1
}
arr=target/release/arr
[ -x target/gpu/arr ] && arr=target/gpu/arr
tests=$(test_binary cuda_backend)
edge=$(test_binary edge_values)
[ -x "$arr" ] || { echo "missing $arr: run cargo build --release --tests first" >&2; exit 2; }
[ -n "$tests" ] || { echo "missing the cuda_backend test binary" >&2; exit 2; }
limit=${STEP_LIMIT:-300}

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
export ARRJIT_CACHE_DIR="${ARRJIT_CACHE_DIR:-${TMPDIR:-/tmp}/arrjit-gpu-cache}"
export ARRJIT_PROJECT_DIR="$PWD"

steps=${STEPS:-123456}
want() { [[ $steps == *$1* ]]; }
step() { echo; echo "=== $*"; }
status=0
{
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
    grep -m1 'model name' /proc/cpuinfo; echo "cores: $(nproc)"
    echo "libraries: $LD_LIBRARY_PATH"
} > "$out/gpu.txt" 2>&1
"$py" - >> "$out/gpu.txt" 2>&1 <<'PY'
import importlib, platform
print("python", platform.python_version())
for m in ("numpy", "torch", "cupy", "jax"):
    try:
        print(m, importlib.import_module(m).__version__)
    except Exception as e:
        print(m, "missing:", e)
PY
cat "$out/gpu.txt"

if want 1; then
step "1. smoke: arr run --device cuda"
timeout 60 "$arr" run --device cuda tests/data/ir/chain.arr 2>&1 | tee "$out/smoke.txt"
"$arr" run tests/data/ir/chain.arr 2>&1 | tee -a "$out/smoke.txt"
fi

if want 2; then
step "2. tests on the device"
# The whole output goes to files; the summary lines (and any failure) to the terminal.
ARRJIT_TEST_DEVICE=cuda ARRJIT_CUDA_CASES=${ARRJIT_CUDA_CASES:-800} \
    timeout "$limit" "$tests" --test-threads 8 > "$out/tests.txt" 2>&1
status=$?
if [ -n "$edge" ]; then
    ARRJIT_TEST_DEVICE=cuda timeout "$limit" "$edge" > "$out/edge_values.txt" 2>&1 || status=1
fi
grep -hE '^test .*(ok|FAILED)$|^test result' "$out/tests.txt" "$out/edge_values.txt" | head -40
sed -n '/^failures:$/,/^test result/p' "$out/tests.txt" | head -80
echo "tests: exit status $status"
gzip -f "$out/tests.txt"
fi

if want 3; then
step "3. arr bench --device cuda"
timeout "$limit" "$arr" bench --device cuda --mode fused,unfused --json benches/gpu/suite.arr \
    > "$out/arr.json" 2> "$out/arr.stderr" || echo "arr bench failed: see $out/arr.stderr"
tail -3 "$out/arr.stderr"
fi

if want 4; then
step "4. peers: PyTorch, CuPy, JAX"
timeout "$limit" "$py" benches/gpu/peers_gpu.py --json "$out/peers.json" > "$out/peers.txt" 2>&1
tail -3 "$out/peers.txt"
fi

if want 5; then
step "5. the table"
"$py" benches/gpu/merge.py "$out/arr.json" "$out/peers.json" --out "$out" | tee "$out/table.md"
fi

if want 6; then
step "6. profile: a + b on 1M f64, arr and PyTorch"
nsys=$(command -v nsys || ls /usr/local/cuda/bin/nsys /opt/nvidia/nsight-systems/*/bin/nsys 2>/dev/null | head -1)
if [ -z "$nsys" ]; then
    echo "no nsys here: skipped"
else
    profile="$out/profile"
    mkdir -p "$profile"
    cat > "$profile/add.arr" <<'ARR'
a = rand(1_000_000, seed=1)
b = rand(1_000_000, seed=2) + 0.5
bench "add_1M_f64" { y = a + b }
ARR
    cat > "$profile/add.py" <<'PY'
import torch
a = torch.rand(1_000_000, dtype=torch.float64, device="cuda")
b = torch.rand(1_000_000, dtype=torch.float64, device="cuda") + 0.5
for _ in range(3):
    for _ in range(2000):
        y = a + b
    torch.cuda.synchronize()
PY
    {
        for who in arr torch; do
            if [ "$who" = arr ]; then
                run=("$arr" bench --device cuda --mode fused --repeats 20 --min-time 0 "$profile/add.arr")
            else
                run=("$py" "$profile/add.py")
            fi
            echo "--- $who"
            timeout "$limit" "$nsys" profile --force-overwrite true -o "$profile/$who" "${run[@]}" > /dev/null 2>&1
            "$nsys" stats --force-export true --report cuda_gpu_kern_sum,cuda_api_sum "$profile/$who.nsys-rep" 2>&1 | head -60
        done
    } > "$out/profile.txt" 2>&1
    grep -A12 "cuda_gpu_kern_sum" "$out/profile.txt" | head -40
    rm -f "$profile"/*.sqlite
fi
fi
exit "$status"
