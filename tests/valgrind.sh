#!/usr/bin/env bash
# Runs the compiled code under valgrind's memcheck: the differential corpus (random programs on
# the interpreter and on unfused and fused kernels; a second pass splits every kernel it can
# across threads), the JIT, embedding and random-gradient tests, and the unit tests of the
# library and the runtime. An invalid read or write, or a use of an uninitialised value, in the
# compiled kernels, the runtime or anywhere else fails the run. It takes 20 to 30 minutes on two
# cores, so it is not part of `cargo test`.
#
#   tests/valgrind.sh                      # every step
#   tests/valgrind.sh differential jit     # only these steps
#
# Steps: differential, differential-threads, jit, embed, grad_random, lib, runtime.
# ARRJIT_DIFF_CASES (default 800) and ARRJIT_GRAD_CASES (default 100) set how many random
# programs and functions run; VALGRIND_JOBS (default: the number of cores) how many steps run
# at once. Each step's output goes to target/valgrind/STEP.log.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null; then
    echo "valgrind is not installed" >&2
    exit 2
fi

memcheck=(
    valgrind --tool=memcheck --error-exitcode=99
    # Kernels are machine code Cranelift writes into anonymous mappings while the program
    # runs (and a mapping may be reused for other code): check every such block for changes.
    --smc-check=all-non-file
    --track-origins=yes
    # A vector load that reaches past the end of a buffer is an error, even where the lanes
    # beyond the end are thrown away.
    --partial-loads-ok=no
    # Unrolled vector loops move 64 bytes and more at a time: a wider gap between heap blocks
    # than the default 16 bytes, so that an overrun lands in it rather than in the next block.
    --redzone-size=128
    # Leaks are not checked: the kernel cache, the buffer pool and rayon's threads live until
    # the process exits, on purpose.
    --leak-check=no
    --num-callers=40
)
diff_cases=${ARRJIT_DIFF_CASES:-800}
grad_cases=${ARRJIT_GRAD_CASES:-100}
jobs_max=${VALGRIND_JOBS:-$(nproc)}

# Runs `[VAR=VALUE...] EXECUTABLE [ARGS...]` under memcheck, one test at a time (so that an
# error's stack is easy to place).
check() {
    local vars=()
    while [[ $1 == *=* ]]; do
        vars+=("$1")
        shift
    done
    env "${vars[@]}" "${memcheck[@]}" "$@" --test-threads=1
}

steps=(jit differential runtime differential-threads grad_random lib embed)
step() {
    case $1 in
    jit) check "${exe[jit]}" ;;
    differential) check ARRJIT_DIFF_CASES="$diff_cases" "${exe[differential]}" ;;
    # Other programs (another seed), with every kernel of more than one point split across
    # threads.
    differential-threads)
        check ARRJIT_PARALLEL_MIN_WORK=1 PROPTEST_RNG_SEED=1 \
            ARRJIT_DIFF_CASES=$(((diff_cases + 3) / 4)) "${exe[differential]}"
        ;;
    grad_random) check ARRJIT_GRAD_CASES="$grad_cases" "${exe[grad_random]}" ;;
    # The CUDA driver and NVRTC (closed source, loaded where installed) are not checked.
    embed) check "${exe[embed]}" --skip the_cuda_device ;;
    lib) check "${exe[arrjit]}" --skip backend::cuda:: ;;
    runtime) check "${exe[arrjit_runtime]}" ;;
    esac
}

order=("${steps[@]}")
if [ $# -gt 0 ]; then
    order=("$@")
fi
for name in "${order[@]}"; do
    if [[ " ${steps[*]} " != *" $name "* ]]; then
        echo "unknown step '$name'; the steps are: ${steps[*]}" >&2
        exit 2
    fi
done
# Build the test executables and note where each is, by target name ("arrjit" and
# "arrjit_runtime" are the unit tests of the two libraries).
artifacts=$(cargo test --release --workspace --no-run --message-format=json-render-diagnostics)
declare -A exe
while read -r name path; do
    exe[$name]=$path
done < <(sed -n 's/.*"target":{[^}]*"name":"\([^"]*\)".*"profile":{[^}]*"test":true.*"executable":"\([^"]*\)".*/\1 \2/p' <<<"$artifacts")
for name in jit differential embed grad_random arrjit arrjit_runtime; do
    if [ -z "${exe[$name]:-}" ]; then
        echo "cargo built no test executable named $name" >&2
        exit 2
    fi
done

logs=target/valgrind
mkdir -p "$logs"
rm -f "$logs"/*.failed

run_step() {
    local name=$1 start=$SECONDS status=0
    step "$name" >"$logs/$name.log" 2>&1 || status=$?
    if [ "$status" -eq 0 ]; then
        echo "$name: no memcheck errors, tests pass ($((SECONDS - start)) s)"
    else
        touch "$logs/$name.failed"
        echo "$name: FAILED (exit status $status; 99 is a memcheck error) after" \
            "$((SECONDS - start)) s; $logs/$name.log ends:"
        # The first memcheck error if there is one, else how the tests ended.
        grep -m1 -A40 -E '^==[0-9]+== (Invalid|Conditional|Use of|Syscall param|Mismatched|Source and destination|Argument)' "$logs/$name.log" ||
            tail -n 40 "$logs/$name.log"
    fi
}

start=$SECONDS
for name in "${order[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do
        wait -n || true
    done
    echo "$name: running"
    run_step "$name" &
done
wait
failed=("$logs"/*.failed)
if [ -e "${failed[0]}" ]; then
    echo "memcheck run failed: ${failed[*]##*/}" | sed 's/\.failed//g'
    exit 1
fi
echo "memcheck: no errors in ${order[*]} ($((SECONDS - start)) s)"
