// Lets the host C++ compiler build arrjit's CUDA C, to run kernels on the CPU where there is
// no GPU: a test harness for the renderer and the launcher, not a fast path.
//
// A launch runs the blocks one after another on the calling thread. The threads of a block are
// coroutines (ucontext), resumed in turn by a scheduler: a barrier (`__syncthreads`, or the
// barrier of one warp that a shuffle uses) counts the threads that reached it and hands control
// back to the scheduler until the last one arrives. One block runs at a time, so `__shared__`
// variables can be plain statics; warp shuffles go through an exchange array between two
// barriers of the warp's threads (every lane of a warp takes part in each shuffle, as with a
// full mask on a GPU).
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
#define __launch_bounds__(...)

struct ArrDim3 { unsigned x, y, z; };
static ArrDim3 threadIdx, blockIdx, blockDim, gridDim;

// ---- the scheduler's state ----
struct ArrEmuBarrier { unsigned arrived, generation; };
static ucontext_t arr_emu_main;
static ucontext_t* arr_emu_threads;
static ArrEmuBarrier arr_emu_block_barrier;
static ArrEmuBarrier arr_emu_warp_barriers[32];

// Waits at `b` with `members` threads: the last to arrive releases the others.
static void arr_emu_wait(ArrEmuBarrier* b, unsigned members) {
    const unsigned generation = b->generation;
    if (++b->arrived == members) {
        b->arrived = 0;
        b->generation++;
        return;
    }
    const unsigned me = threadIdx.x;
    while (b->generation == generation) {
        swapcontext(&arr_emu_threads[me], &arr_emu_main);
    }
}
static inline void __syncthreads() { arr_emu_wait(&arr_emu_block_barrier, blockDim.x); }
static inline void arr_emu_syncwarp() {
    const unsigned warp = threadIdx.x / 32;
    const unsigned members = blockDim.x - 32 * warp < 32 ? blockDim.x - 32 * warp : 32;
    arr_emu_wait(&arr_emu_warp_barriers[warp], members);
}

static unsigned char arr_emu_exchange[1024][16];
template <typename T> static T __shfl_down_sync(unsigned mask, T v, int offset) {
    (void)mask;
    const unsigned t = threadIdx.x;
    memcpy(arr_emu_exchange[t], &v, sizeof(T));
    arr_emu_syncwarp();
    T out = v;
    if ((t % 32) + offset < 32 && t + offset < blockDim.x) {
        memcpy(&out, arr_emu_exchange[t + offset], sizeof(T));
    }
    arr_emu_syncwarp();
    return out;
}

// The lanes of the caller's warp whose `v` equals the caller's (bit i: lane i).
static unsigned __match_any_sync(unsigned mask, unsigned v) {
    (void)mask;
    const unsigned t = threadIdx.x, warp0 = t - t % 32;
    const unsigned members = blockDim.x - warp0 < 32 ? blockDim.x - warp0 : 32;
    memcpy(arr_emu_exchange[t], &v, sizeof v);
    arr_emu_syncwarp();
    unsigned out = 0;
    for (unsigned l = 0; l < members; ++l) {
        unsigned w;
        memcpy(&w, arr_emu_exchange[warp0 + l], sizeof w);
        if (w == v) out |= 1u << l;
    }
    arr_emu_syncwarp();
    return out;
}
static inline int __popc(unsigned x) { return __builtin_popcount(x); }
static inline void __syncwarp() { arr_emu_syncwarp(); }

static inline double __longlong_as_double(long long x) { double d; memcpy(&d, &x, 8); return d; }
static inline float __int_as_float(int x) { float f; memcpy(&f, &x, 4); return f; }
static inline long long __double_as_longlong(double x) { long long i; memcpy(&i, &x, 8); return i; }
static inline int __float_as_int(float x) { int i; memcpy(&i, &x, 4); return i; }
// Coroutines switch only at barriers, so a plain read-modify-write is atomic here.
template <typename T> static T atomicAdd(T* p, T v) { T old = *p; *p = old + v; return old; }
template <typename T> static T atomicOr(T* p, T v) { T old = *p; *p = old | v; return old; }

// ---- the entry point the host calls (`emulator.rs`), appended after the kernel ----
// `ARR_EMU_COMBINE` names `arr_combine`, or a no-op for kernels without one.
#define ARR_EMU_ENTRIES                                                                      \
    static int arr_emu_entry;                                                                \
    static const void* arr_emu_args;                                                         \
    static long long arr_emu_extra;                                                          \
    static unsigned char* arr_emu_done;                                                      \
    static void arr_emu_body() {                                                             \
        const unsigned me = threadIdx.x;                                                     \
        if (arr_emu_entry == 0) arr_kernel(*(const ArrArgs*)arr_emu_args);                   \
        else ARR_EMU_COMBINE(*(const ArrArgs*)arr_emu_args, arr_emu_extra);                  \
        arr_emu_done[me] = 1;                                                                \
    }                                                                                        \
    /* Returns 0, or 1 if memory for the coroutines' stacks ran out. */                     \
    extern "C" int arr_emu_launch(int entry, unsigned grid, unsigned block, const void* args, \
                                  long long extra) {                                         \
        const size_t stack = 256 * 1024;                                                     \
        arr_emu_entry = entry;                                                               \
        arr_emu_args = args;                                                                 \
        arr_emu_extra = extra;                                                               \
        gridDim = {grid, 1, 1};                                                              \
        blockDim = {block, 1, 1};                                                            \
        ucontext_t* threads = (ucontext_t*)calloc(block, sizeof(ucontext_t));                \
        unsigned char* stacks = (unsigned char*)malloc(stack * block);                       \
        unsigned char* done = (unsigned char*)calloc(block, 1);                              \
        if (!threads || !stacks || !done) {                                                  \
            free(threads); free(stacks); free(done);                                         \
            return 1;                                                                        \
        }                                                                                    \
        arr_emu_threads = threads;                                                           \
        arr_emu_done = done;                                                                 \
        for (unsigned b = 0; b < grid; ++b) {                                                \
            blockIdx = {b, 0, 0};                                                            \
            memset(&arr_emu_block_barrier, 0, sizeof arr_emu_block_barrier);                 \
            memset(arr_emu_warp_barriers, 0, sizeof arr_emu_warp_barriers);                  \
            memset(done, 0, block);                                                          \
            for (unsigned t = 0; t < block; ++t) {                                           \
                getcontext(&threads[t]);                                                     \
                threads[t].uc_stack.ss_sp = stacks + stack * t;                              \
                threads[t].uc_stack.ss_size = stack;                                         \
                threads[t].uc_link = &arr_emu_main;                                          \
                makecontext(&threads[t], arr_emu_body, 0);                                   \
            }                                                                                \
            /* Resume every unfinished thread in turn until all have finished. */           \
            for (unsigned left = block; left > 0;) {                                         \
                left = 0;                                                                    \
                for (unsigned t = 0; t < block; ++t) {                                       \
                    if (done[t]) continue;                                                   \
                    threadIdx = {t, 0, 0};                                                   \
                    swapcontext(&arr_emu_main, &threads[t]);                                 \
                    left += !done[t];                                                        \
                }                                                                            \
            }                                                                                \
        }                                                                                    \
        free(threads); free(stacks); free(done);                                             \
        return 0;                                                                            \
    }
