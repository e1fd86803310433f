// Stable sort and argsort along the last axis, after the prelude: LSD radix sorts on 8-bit
// digits of order-preserving keys. Keys send NaN last and make -0 and +0 equal, so ties
// (zeros, NaNs, equal values) keep their input order, as the runtime's sort does.
//
// Every launch has ARR_SORT_THREADS threads per block. One module per dtype, one entry, in
// stages (`stage`):
//   5  short lanes (at most ARR_SORT_SHORT elements): one block per lane sorts it in shared
//      memory, every key pass, and writes y. One launch does the whole sort.
// Longer lanes sort the whole array at once, on the key's digits, then on the digits of each
// element's lane, so that every lane ends up sorted on its own (a stable sort by (lane, key)):
//   0  keys[i] = key(x[i]), perm[i] = i
//   1  per tile of ARR_SORT_TILE elements, the count of each digit of pass `pass`
//   2  counts → offsets: one block per digit scans the digit's counts over the tiles (so
//      each tile's count becomes the number of elements of that digit in earlier tiles) and
//      writes the digit's total after them, in counts[256 * tiles + digit]
//   3  per tile, each element to its place: the tile goes through in rounds of one element
//      per thread; an element's place is where its digit starts (the totals of smaller
//      digits), plus its digit's elements in earlier tiles, plus the elements of that digit
//      in earlier rounds, earlier warps and earlier lanes of its warp (`__match_any_sync`), so
//      the scatter is stable
//   4  y[i] = x[perm[i]] (sort), or perm[i]'s position in its lane (argsort)
// Stages 1 and 3 read `keys`, `perm` and write `keys2`, `perm2`; the host swaps them between
// passes.
#define ARR_SORT_TILE 1024
#define ARR_SORT_THREADS 256
#define ARR_SORT_WARPS (ARR_SORT_THREADS / 32)
#define ARR_SORT_SHORT 1024
// Stages 2 and 3 give each thread one of the 256 digits.
#if ARR_SORT_THREADS != 256
#error "the sort's scans take one digit per thread"
#endif

struct ArrArgs {
    const unsigned char* x;
    unsigned char* y;
    unsigned long long* keys;
    i64* perm;
    unsigned long long* keys2;
    i64* perm2;
    i64* counts;     // 256 * tiles, then 256 digit totals
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

// The block's shared state for ranking one round of elements (one per thread).
struct ArrSortRound {
    unsigned warp_counts[ARR_SORT_WARPS][256];  // then: elements of earlier warps, by digit
    unsigned round_counts[256];                 // the round's elements, by digit
};

// Ranks a round: each thread holds an element of digit `d` (256: no element). Returns the
// number of elements of digit `d` before it in the round (earlier warps, then earlier lanes
// of its warp); `s->round_counts[d]` is then the round's count of digit `d`. All threads of
// the block call it together.
__device__ unsigned arr_sort_rank(ArrSortRound* s, unsigned d) {
    const unsigned lane_id = threadIdx.x & 31u, warp = threadIdx.x >> 5;
    for (unsigned i = threadIdx.x; i < ARR_SORT_WARPS * 256; i += blockDim.x) {
        s->warp_counts[i / 256][i % 256] = 0;
    }
    __syncthreads();
    const unsigned peers = __match_any_sync(0xffffffffu, d);
    const unsigned before = (unsigned)__popc(peers & ((1u << lane_id) - 1u));
    if (d < 256 && before == 0) s->warp_counts[warp][d] = (unsigned)__popc(peers);
    __syncthreads();
    for (unsigned e = threadIdx.x; e < 256; e += blockDim.x) {
        unsigned run = 0;
        for (unsigned w = 0; w < ARR_SORT_WARPS; ++w) {
            const unsigned c = s->warp_counts[w][e];
            s->warp_counts[w][e] = run;
            run += c;
        }
        s->round_counts[e] = run;
    }
    __syncthreads();
    return d < 256 ? s->warp_counts[warp][d] + before : 0;
}

// Turns the block's ARR_SORT_THREADS values `s` (one per thread) into their exclusive scan;
// returns the sum. All threads of the block call it together.
__device__ i64 arr_sort_exclusive(i64* s) {
    const i64 mine = s[threadIdx.x];
    __syncthreads();
    for (unsigned off = 1; off < ARR_SORT_THREADS; off <<= 1) {
        const i64 add = threadIdx.x >= off ? s[threadIdx.x - off] : 0;
        __syncthreads();
        s[threadIdx.x] += add;
        __syncthreads();
    }
    const i64 sum = s[ARR_SORT_THREADS - 1];
    __syncthreads();
    s[threadIdx.x] -= mine;
    __syncthreads();
    return sum;
}

// The block's shared memory, for every stage.
struct ArrSortShared {
    unsigned digit_counts[256];
    i64 offsets[256];                // where the next element of each digit goes
    i64 starts[ARR_SORT_THREADS];    // a scan's values, one per thread
    ArrSortRound round;
};

// Counts digits in `digit_counts`, then scans them into `offsets`: `digit(j)` is element j's
// digit, for j in 0..n.
template <typename Digit> __device__ void arr_sort_count(ArrSortShared* s, i64 n, Digit digit) {
    for (unsigned e = threadIdx.x; e < 256; e += blockDim.x) s->digit_counts[e] = 0;
    __syncthreads();
    for (i64 j = threadIdx.x; j < n; j += blockDim.x) atomicAdd(&s->digit_counts[digit(j)], 1u);
    __syncthreads();
    s->starts[threadIdx.x] = s->digit_counts[threadIdx.x];
    arr_sort_exclusive(s->starts);
    s->offsets[threadIdx.x] = s->starts[threadIdx.x];
    __syncthreads();
}

// One round of a stable scatter: each thread holds an element of digit `d` (256: none).
// Returns its place, `offsets[d]` plus the round's elements of that digit before it, and
// moves `offsets` past the round. All threads of the block call it together.
__device__ i64 arr_sort_place(ArrSortShared* s, unsigned d) {
    const unsigned before = arr_sort_rank(&s->round, d);
    const i64 to = d < 256 ? s->offsets[d] + before : 0;
    __syncthreads();
    for (unsigned e = threadIdx.x; e < 256; e += blockDim.x) s->offsets[e] += s->round.round_counts[e];
    __syncthreads();
    return to;
}

// Stage 5: lanes of at most ARR_SORT_SHORT elements, each sorted by one block in shared memory.
template <typename T> __device__ void arr_sort_short(const ArrArgs& a, ArrSortShared* s) {
    __shared__ unsigned long long keys[2][ARR_SORT_SHORT];
    __shared__ unsigned short index[2][ARR_SORT_SHORT];
    const i64 n = a.lane, lanes = a.total / a.lane;
    for (i64 l = blockIdx.x; l < lanes; l += gridDim.x) {
        const T* x = (const T*)a.x + l * n;
        for (i64 j = threadIdx.x; j < n; j += blockDim.x) {
            keys[0][j] = arr_sort_key(x[j]);
            index[0][j] = (unsigned short)j;
        }
        unsigned from = 0;
        for (i64 pass = 0; pass < a.key_passes; ++pass) {
            const unsigned shift = 8 * (unsigned)pass;
            arr_sort_count(s, n, [&](i64 j) { return (unsigned)(keys[from][j] >> shift) & 255u; });
            for (i64 r = 0; r < n; r += blockDim.x) {
                const i64 j = r + threadIdx.x;
                const bool here = j < n;
                const unsigned long long key = here ? keys[from][j] : 0ull;
                const i64 to = arr_sort_place(s, here ? (unsigned)(key >> shift) & 255u : 256u);
                if (here) {
                    keys[from ^ 1][to] = key;
                    index[from ^ 1][to] = index[from][j];
                }
            }
            __syncthreads();
            from ^= 1;
        }
        for (i64 j = threadIdx.x; j < n; j += blockDim.x) {
            const unsigned i = index[from][j];
            if (a.argsort) ((i64*)a.y)[l * n + j] = (i64)i;
            else ((T*)a.y)[l * n + j] = x[i];
        }
        __syncthreads();
    }
}

template <typename T> __device__ void arr_sort(const ArrArgs a) {
    __shared__ ArrSortShared s;
    const i64 stride = (i64)gridDim.x * blockDim.x;
    const i64 first = (i64)blockIdx.x * blockDim.x + threadIdx.x;
    if (a.stage == 5) {
        arr_sort_short<T>(a, &s);
    } else if (a.stage == 0) {
        for (i64 i = first; i < a.total; i += stride) {
            a.keys[i] = arr_sort_key(((const T*)a.x)[i]);
            a.perm[i] = i;
        }
    } else if (a.stage == 1) {
        for (i64 tile = blockIdx.x; tile < a.tiles; tile += gridDim.x) {
            for (unsigned d = threadIdx.x; d < 256; d += blockDim.x) s.digit_counts[d] = 0;
            __syncthreads();
            const i64 begin = tile * ARR_SORT_TILE;
            const i64 end = begin + ARR_SORT_TILE < a.total ? begin + ARR_SORT_TILE : a.total;
            for (i64 i = begin + threadIdx.x; i < end; i += blockDim.x) {
                atomicAdd(&s.digit_counts[arr_sort_digit(a, a.keys[i], a.perm[i])], 1u);
            }
            __syncthreads();
            for (unsigned d = threadIdx.x; d < 256; d += blockDim.x) a.counts[d * a.tiles + tile] = s.digit_counts[d];
            __syncthreads();
        }
    } else if (a.stage == 2) {
        for (i64 d = blockIdx.x; d < 256; d += gridDim.x) {
            i64* v = a.counts + d * a.tiles;
            i64 carry = 0;
            for (i64 c = 0; c < a.tiles; c += ARR_SORT_THREADS) {
                const i64 i = c + threadIdx.x;
                s.starts[threadIdx.x] = i < a.tiles ? v[i] : 0;
                const i64 sum = arr_sort_exclusive(s.starts);
                if (i < a.tiles) v[i] = carry + s.starts[threadIdx.x];
                carry += sum;
            }
            if (threadIdx.x == 0) a.counts[256 * a.tiles + d] = carry;
        }
    } else if (a.stage == 3) {
        // Where each digit starts: the digits' totals, scanned (one digit per thread).
        s.starts[threadIdx.x] = a.counts[256 * a.tiles + threadIdx.x];
        arr_sort_exclusive(s.starts);
        for (i64 tile = blockIdx.x; tile < a.tiles; tile += gridDim.x) {
            s.offsets[threadIdx.x] = s.starts[threadIdx.x] + a.counts[threadIdx.x * a.tiles + tile];
            __syncthreads();
            const i64 begin = tile * ARR_SORT_TILE;
            const i64 end = begin + ARR_SORT_TILE < a.total ? begin + ARR_SORT_TILE : a.total;
            for (i64 r = begin; r < end; r += blockDim.x) {
                const i64 i = r + threadIdx.x;
                const bool here = i < end;
                const unsigned long long key = here ? a.keys[i] : 0ull;
                const i64 at = here ? a.perm[i] : 0;
                const i64 to = arr_sort_place(&s, here ? arr_sort_digit(a, key, at) : 256u);
                if (here) {
                    a.keys2[to] = key;
                    a.perm2[to] = at;
                }
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
