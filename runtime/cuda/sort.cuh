// Stable sort and argsort along the last axis, after the prelude: an LSD radix sort of the
// whole array on 8-bit digits of order-preserving keys, then on the digits of each element's
// lane, so that every lane ends up sorted on its own (a stable sort by (lane, key)). Keys
// send NaN last and make -0 and +0 equal, so ties (zeros, NaNs, equal values) keep their
// input order, as the runtime's sort does.
//
// One module per dtype, one entry, in stages (`stage`):
//   0  keys[i] = key(x[i]), perm[i] = i
//   1  per tile of ARR_SORT_TILE elements, the count of each digit of pass `pass`
//   2  counts → offsets: where each (digit, tile) starts in the output, digit-major
//   3  per tile, in order, each element to its place (one thread per tile: stable)
//   4  y[i] = x[perm[i]] (sort), or perm[i]'s position in its lane (argsort)
// Stages 1 and 3 read `keys`, `perm` and write `keys2`, `perm2`; the host swaps them between
// passes.
#define ARR_SORT_TILE 1024

struct ArrArgs {
    const unsigned char* x;
    unsigned char* y;
    unsigned long long* keys;
    i64* perm;
    unsigned long long* keys2;
    i64* perm2;
    i64* counts;     // 256 * tiles
    i64 total;       // elements
    i64 lane;        // elements per lane
    i64 tiles;
    i64 stage;
    i64 pass;        // digit pass: key passes first, then lane passes
    i64 key_passes;
    i64 argsort;
};

__device__ __forceinline__ unsigned long long arr_sort_key(double v) {
    if (v != v) return ~0ull;
    if (v == 0.0) v = 0.0;  // -0 and +0 tie
    unsigned long long b = (unsigned long long)__double_as_longlong(v);
    return (b >> 63) ? ~b : (b | 0x8000000000000000ull);
}
__device__ __forceinline__ unsigned long long arr_sort_key(float v) {
    if (v != v) return 0xffffffffull;
    if (v == 0.0f) v = 0.0f;
    unsigned int b = (unsigned int)__float_as_int(v);
    return (b >> 31) ? (unsigned long long)(~b) : (unsigned long long)(b | 0x80000000u);
}
__device__ __forceinline__ unsigned long long arr_sort_key(i64 v) {
    return (unsigned long long)v ^ 0x8000000000000000ull;
}
__device__ __forceinline__ unsigned long long arr_sort_key(int v) {
    return (unsigned long long)((unsigned int)v ^ 0x80000000u);
}
__device__ __forceinline__ unsigned long long arr_sort_key(bool v) { return v ? 1ull : 0ull; }

__device__ __forceinline__ unsigned arr_sort_digit(const ArrArgs& a, unsigned long long key, i64 at) {
    if (a.pass < a.key_passes) return (unsigned)(key >> (8 * a.pass)) & 255u;
    return (unsigned)(((unsigned long long)(at / a.lane)) >> (8 * (a.pass - a.key_passes))) & 255u;
}

template <typename T> __device__ void arr_sort(const ArrArgs a) {
    __shared__ i64 arr_sort_counts[256];
    const i64 stride = (i64)gridDim.x * blockDim.x;
    const i64 first = (i64)blockIdx.x * blockDim.x + threadIdx.x;
    if (a.stage == 0) {
        for (i64 i = first; i < a.total; i += stride) {
            a.keys[i] = arr_sort_key(((const T*)a.x)[i]);
            a.perm[i] = i;
        }
    } else if (a.stage == 1) {
        for (i64 tile = blockIdx.x; tile < a.tiles; tile += gridDim.x) {
            for (unsigned d = threadIdx.x; d < 256; d += blockDim.x) arr_sort_counts[d] = 0;
            __syncthreads();
            const i64 begin = tile * ARR_SORT_TILE;
            const i64 end = begin + ARR_SORT_TILE < a.total ? begin + ARR_SORT_TILE : a.total;
            for (i64 i = begin + threadIdx.x; i < end; i += blockDim.x) {
                atomicAdd((unsigned long long*)&arr_sort_counts[arr_sort_digit(a, a.keys[i], a.perm[i])], 1ull);
            }
            __syncthreads();
            for (unsigned d = threadIdx.x; d < 256; d += blockDim.x) a.counts[d * a.tiles + tile] = arr_sort_counts[d];
            __syncthreads();
        }
    } else if (a.stage == 2) {
        // One block: each thread sums its digits' counts, thread 0 scans the digit totals,
        // then each thread writes its digits' running offsets.
        for (unsigned d = threadIdx.x; d < 256; d += blockDim.x) {
            i64 sum = 0;
            for (i64 t = 0; t < a.tiles; ++t) sum += a.counts[d * a.tiles + t];
            arr_sort_counts[d] = sum;
        }
        __syncthreads();
        if (threadIdx.x == 0) {
            i64 run = 0;
            for (unsigned d = 0; d < 256; ++d) {
                const i64 sum = arr_sort_counts[d];
                arr_sort_counts[d] = run;
                run += sum;
            }
        }
        __syncthreads();
        for (unsigned d = threadIdx.x; d < 256; d += blockDim.x) {
            i64 run = arr_sort_counts[d];
            for (i64 t = 0; t < a.tiles; ++t) {
                const i64 c = a.counts[d * a.tiles + t];
                a.counts[d * a.tiles + t] = run;
                run += c;
            }
        }
    } else if (a.stage == 3) {
        for (i64 tile = first; tile < a.tiles; tile += stride) {
            const i64 begin = tile * ARR_SORT_TILE;
            const i64 end = begin + ARR_SORT_TILE < a.total ? begin + ARR_SORT_TILE : a.total;
            for (i64 i = begin; i < end; ++i) {
                const unsigned d = arr_sort_digit(a, a.keys[i], a.perm[i]);
                const i64 to = a.counts[d * a.tiles + tile]++;
                a.keys2[to] = a.keys[i];
                a.perm2[to] = a.perm[i];
            }
        }
    } else {
        for (i64 i = first; i < a.total; i += stride) {
            const i64 from = a.perm[i];
            if (a.argsort) ((i64*)a.y)[i] = from % a.lane;
            else ((T*)a.y)[i] = ((const T*)a.x)[from];
        }
    }
}
