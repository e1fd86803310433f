// Stable sort and argsort along the last axis, after the prelude: LSD radix sorts on 8-bit
// digits of order-preserving keys. Keys send NaN last and make -0 and +0 equal, so ties
// (zeros, NaNs, equal values) keep their input order, as the runtime's sort does. Keys are
// as wide as the values (32 bits for f32, i32 and bool; 64 for f64 and i64); indices are
// 32 bits unless the array has more elements than that counts (the `I` parameter).
//
// Every launch has ARR_SORT_THREADS threads per block. One module per dtype and index width,
// one entry, in stages (`stage`):
//   3  short lanes (at most ARR_SORT_SHORT elements): one block per lane sorts it in shared
//      memory, every key pass, and writes y. One launch does the whole sort.
// Longer lanes sort the whole array at once, on the key's digits, then on the digits of each
// element's lane, so that every lane ends up sorted on its own (a stable sort by (lane, key)).
// This is the shape of Adinets and Merrill's "onesweep" (2022): one launch per digit pass.
//   0  clears the control words (`control`): histograms, tile counters, look-back states
//   1  the histograms of every pass's digits, in one read of x
//   2  one digit pass (`pass`). Blocks take tiles (ARR_SORT_ITEMS per thread) in the order they
//      start (an atomic counter); a tile's elements are ranked in shared memory by their
//      digit (warp by warp with `__match_any_sync`, then across warps), the tile's count of
//      each digit is published, and the counts of the tiles before it are found by looking
//      back over their published states (decoupled look-back: a tile that has its prefix
//      publishes that, so a look-back stops at the first such tile). The tile is then
//      reordered in shared memory, so each digit's elements are written out together.
// A pass whose digit is the same for every element (the histogram says so) changes nothing
// and is skipped: the first pass that runs reads x, the last writes y (the values, or each
// element's place in its lane), and the ones between go back and forth between two scratch
// buffers of keys and indices. If every pass would be skipped, pass 0 runs, to write y.
#define ARR_SORT_THREADS 256
#define ARR_SORT_WARPS (ARR_SORT_THREADS / 32)
#define ARR_SORT_SHORT 1024
// Elements per thread of a tile, by the bytes of a key and an index together: a tile's keys
// and indices fill 30 KB of shared memory at most.
#define ARR_SORT_ITEMS(pair_bytes) ((pair_bytes) <= 8 ? 15 : ((pair_bytes) <= 12 ? 10 : 7))
// Key passes (8 at most) and lane passes (8 at most).
#define ARR_SORT_MAX_PASSES 16
// The stages, as above.
#define ARR_SORT_CLEAR 0
#define ARR_SORT_HISTOGRAMS 1
#define ARR_SORT_PASS 2
#define ARR_SORT_SHORT_LANES 3
// The scans and the look-back give each thread one of the 256 digits.
#if ARR_SORT_THREADS != 256
#error "the sort's scans take one digit per thread"
#endif

struct ArrArgs {
    const unsigned char* x;
    unsigned char* y;
    unsigned char* keys[2];   // scratch keys (K), between passes
    unsigned char* index[2];  // scratch indices (I), with them
    u64* control;             // ARR_SORT_MAX_PASSES * 256 histogram counts,
                              // ARR_SORT_MAX_PASSES tile counters, 2 * 256 * tiles states
    i64 control_words;        // the words stage 0 clears: all but the second block of states
    i64 total;                // elements
    i64 lane;                 // elements per lane
    i64 tiles;
    i64 stage;
    i64 pass;                 // key passes first, then lane passes
    i64 key_passes;
    i64 passes;
    i64 argsort;
};

__device__ __forceinline__ u64 arr_sort_key(double v) {
    if (v != v) return ~0ull;
    if (v == 0.0) v = 0.0;  // -0 and +0 tie
    const u64 b = (u64)__double_as_longlong(v);
    return (b >> 63) ? ~b : (b | 0x8000000000000000ull);
}
__device__ __forceinline__ u32 arr_sort_key(float v) {
    if (v != v) return 0xffffffffu;
    if (v == 0.0f) v = 0.0f;
    const u32 b = (u32)__float_as_int(v);
    return (b >> 31) ? ~b : (b | 0x80000000u);
}
__device__ __forceinline__ u64 arr_sort_key(i64 v) { return (u64)v ^ 0x8000000000000000ull; }
__device__ __forceinline__ u32 arr_sort_key(int v) { return (u32)v ^ 0x80000000u; }
__device__ __forceinline__ u32 arr_sort_key(bool v) { return v ? 1u : 0u; }

// Digit `pass` of an element with key `key` at index `at` (its place in x).
template <typename K, typename I>
__device__ __forceinline__ unsigned arr_sort_digit(const ArrArgs& a, i64 pass, K key, I at) {
    if (pass < a.key_passes) return (unsigned)(key >> (8 * pass)) & 255u;
    return (unsigned)(((u64)at / (u64)a.lane) >> (8 * (pass - a.key_passes))) & 255u;
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

// ---- short lanes (stage 3) ----

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

template <typename K> struct ArrSortShort {
    K keys[2][ARR_SORT_SHORT];
    unsigned short index[2][ARR_SORT_SHORT];
    unsigned digit_counts[256];
    i64 offsets[256];                // where the next element of each digit goes
    i64 starts[ARR_SORT_THREADS];    // a scan's values, one per thread
    ArrSortRound round;
};

// Lanes of at most ARR_SORT_SHORT elements, each sorted by one block in shared memory: per
// pass, the digits are counted and scanned, then the lane goes through in rounds of one
// element per thread, each placed after the round's earlier elements of its digit.
template <typename T, typename K> __device__ void arr_sort_short(const ArrArgs& a, ArrSortShort<K>* s) {
    const i64 n = a.lane, lanes = a.total / a.lane;
    for (i64 l = blockIdx.x; l < lanes; l += gridDim.x) {
        const T* x = (const T*)a.x + l * n;
        for (i64 j = threadIdx.x; j < n; j += blockDim.x) {
            s->keys[0][j] = arr_sort_key(x[j]);
            s->index[0][j] = (unsigned short)j;
        }
        unsigned from = 0;
        for (i64 pass = 0; pass < a.key_passes; ++pass) {
            const unsigned shift = 8 * (unsigned)pass;
            for (unsigned e = threadIdx.x; e < 256; e += blockDim.x) s->digit_counts[e] = 0;
            __syncthreads();
            for (i64 j = threadIdx.x; j < n; j += blockDim.x) {
                atomicAdd(&s->digit_counts[(unsigned)(s->keys[from][j] >> shift) & 255u], 1u);
            }
            __syncthreads();
            s->starts[threadIdx.x] = s->digit_counts[threadIdx.x];
            arr_sort_exclusive(s->starts);
            s->offsets[threadIdx.x] = s->starts[threadIdx.x];
            __syncthreads();
            for (i64 r = 0; r < n; r += blockDim.x) {
                const i64 j = r + threadIdx.x;
                const bool here = j < n;
                const K key = here ? s->keys[from][j] : (K)0;
                const unsigned d = here ? (unsigned)(key >> shift) & 255u : 256u;
                const unsigned before = arr_sort_rank(&s->round, d);
                const i64 to = d < 256 ? s->offsets[d] + before : 0;
                __syncthreads();
                for (unsigned e = threadIdx.x; e < 256; e += blockDim.x) {
                    s->offsets[e] += s->round.round_counts[e];
                }
                if (here) {
                    s->keys[from ^ 1][to] = key;
                    s->index[from ^ 1][to] = s->index[from][j];
                }
                __syncthreads();
            }
            from ^= 1;
        }
        for (i64 j = threadIdx.x; j < n; j += blockDim.x) {
            const unsigned i = s->index[from][j];
            if (a.argsort) ((i64*)a.y)[l * n + j] = (i64)i;
            else ((T*)a.y)[l * n + j] = x[i];
        }
        __syncthreads();
    }
}

// ---- long lanes (stages 0 to 2) ----

template <typename K, typename I> struct ArrSortTile {
    enum { ITEMS = ARR_SORT_ITEMS(sizeof(K) + sizeof(I)), SIZE = ITEMS * ARR_SORT_THREADS };
    K keys[SIZE];                        // the tile, reordered by digit
    I index[SIZE];
    unsigned warp_counts[ARR_SORT_WARPS][256];  // per warp and digit: its count, then the
                                                // count of earlier warps
    i64 scan[256];                       // a scan's values, one per thread
    i64 dest[256];                       // where the tile's first element of each digit goes
    unsigned local[256];                 // where its first element of each digit is in the tile
    i64 digit_start[256];                // where each digit's elements start in the output
    i64 tile;                            // the tile the block works on
    unsigned skip;                       // bit p: pass p changes nothing
};

template <typename K, typename I> union ArrSortShared {
    ArrSortShort<K> short_lanes;
    ArrSortTile<K, I> tile;
    unsigned hist[ARR_SORT_MAX_PASSES][256];
};

// Look-back states: the low 62 bits hold a count, the top two what it is.
#define ARR_SORT_AGGREGATE (1ull << 62)  // the tile's own count of the digit
#define ARR_SORT_PREFIX (2ull << 62)     // the count of the digit in this and earlier tiles
#define ARR_SORT_COUNT (ARR_SORT_AGGREGATE - 1)

// Publishes `count`, this tile's elements of the thread's digit, and returns the number of
// elements of that digit in earlier tiles, waiting for tiles that have published nothing yet
// (they started earlier, so they are running).
__device__ i64 arr_sort_look_back(u64* states, i64 tile, i64 count) {
    volatile u64* s = states + threadIdx.x;
    if (tile == 0) {
        s[0] = ARR_SORT_PREFIX | (u64)count;
        return 0;
    }
    s[256 * tile] = ARR_SORT_AGGREGATE | (u64)count;
    i64 before = 0;
    for (i64 t = tile - 1; t >= 0;) {
        const u64 state = s[256 * t];
        if (state == 0) continue;
        before += (i64)(state & ARR_SORT_COUNT);
        if (state & ARR_SORT_PREFIX) break;
        --t;
    }
    s[256 * tile] = ARR_SORT_PREFIX | (u64)(before + count);
    return before;
}

// Stage 2: one digit pass over the tiles.
template <typename T, typename K, typename I> __device__ void arr_sort_pass(const ArrArgs& a, ArrSortTile<K, I>* s) {
    enum { ITEMS = ArrSortTile<K, I>::ITEMS, SIZE = ArrSortTile<K, I>::SIZE };
    const u64* hist = a.control;
    u64* counters = a.control + ARR_SORT_MAX_PASSES * 256;
    const unsigned t = threadIdx.x, lane_id = t & 31u, warp = t >> 5;
    const i64 pass = a.pass;

    // Which passes change nothing; this one's place among those that run.
    if (t == 0) s->skip = 0;
    __syncthreads();
    for (i64 p = 0; p < a.passes; ++p) {
        if (hist[256 * p + t] == (u64)a.total) atomicOr(&s->skip, 1u << p);
    }
    __syncthreads();
    const unsigned all = (1u << a.passes) - 1u;
    unsigned skip = s->skip;
    if (skip == all) skip = all & ~1u;  // pass 0 still writes y
    if (skip >> pass & 1u) return;
    const unsigned runs = all & ~skip, earlier = runs & ((1u << pass) - 1u);
    const bool first = earlier == 0, last = (runs >> pass) == 1u;
    const unsigned from = (__popc(earlier) + 1) & 1u;  // read keys[from] unless first
    u64* states = a.control + ARR_SORT_MAX_PASSES * 257 + 256 * a.tiles * (__popc(earlier) & 1);
    u64* next_states = a.control + ARR_SORT_MAX_PASSES * 257 + 256 * a.tiles * ((__popc(earlier) + 1) & 1);
    // (Chosen, not indexed by `from`: indexing the arguments would copy them to local memory.)
    const K* keys_in = (const K*)(from ? a.keys[1] : a.keys[0]);
    const I* index_in = (const I*)(from ? a.index[1] : a.index[0]);
    K* keys_out = (K*)(from ? a.keys[0] : a.keys[1]);
    I* index_out = (I*)(from ? a.index[0] : a.index[1]);

    // The next pass that runs finds its look-back states cleared; this one's were.
    const i64 stride = (i64)gridDim.x * blockDim.x;
    for (i64 i = (i64)blockIdx.x * blockDim.x + t; i < 256 * a.tiles; i += stride) next_states[i] = 0;

    // Where each digit starts in the output.
    s->scan[t] = (i64)hist[256 * pass + t];
    arr_sort_exclusive(s->scan);
    s->digit_start[t] = s->scan[t];

    for (;;) {
        if (t == 0) s->tile = (i64)atomicAdd(&counters[pass], 1ull);
        for (unsigned i = t; i < ARR_SORT_WARPS * 256; i += blockDim.x) s->warp_counts[i / 256][i % 256] = 0;
        __syncthreads();
        const i64 tile = s->tile;
        if (tile >= a.tiles) break;
        const i64 begin = tile * SIZE;
        const i64 n = begin + SIZE < a.total ? SIZE : a.total - begin;

        // Warp w takes elements [32 * ITEMS * w, 32 * ITEMS * (w + 1)) of the tile, item by
        // item, so its lanes read consecutive elements and earlier items come first.
        K key[ITEMS];
        I at[ITEMS];
        unsigned digit[ITEMS], rank[ITEMS];
        #pragma unroll
        for (int k = 0; k < ITEMS; ++k) {
            const i64 j = (i64)(32 * ITEMS * warp + 32 * k + lane_id);
            const bool here = j < n;
            if (!here) {
                key[k] = 0;
                at[k] = 0;
            } else if (first) {
                key[k] = arr_sort_key(((const T*)a.x)[begin + j]);
                at[k] = (I)(begin + j);
            } else {
                key[k] = keys_in[begin + j];
                at[k] = index_in[begin + j];
            }
            digit[k] = here ? arr_sort_digit(a, pass, key[k], at[k]) : 256u;
            const unsigned peers = __match_any_sync(0xffffffffu, digit[k]);
            const unsigned before = (unsigned)__popc(peers & ((1u << lane_id) - 1u));
            rank[k] = here ? s->warp_counts[warp][digit[k]] + before : 0;
            __syncwarp();
            if (here && before == 0) s->warp_counts[warp][digit[k]] += (unsigned)__popc(peers);
            __syncwarp();
        }
        __syncthreads();

        // Thread t takes digit t: the counts of earlier warps, the tile's count, where the
        // tile's elements of it go in the output and in the reordered tile.
        unsigned run = 0;
        for (unsigned w = 0; w < ARR_SORT_WARPS; ++w) {
            const unsigned c = s->warp_counts[w][t];
            s->warp_counts[w][t] = run;
            run += c;
        }
        s->dest[t] = s->digit_start[t] + arr_sort_look_back(states, tile, (i64)run);
        s->scan[t] = (i64)run;
        arr_sort_exclusive(s->scan);
        s->local[t] = (unsigned)s->scan[t];
        __syncthreads();

        #pragma unroll
        for (int k = 0; k < ITEMS; ++k) {
            if (digit[k] < 256) {
                const unsigned to = s->local[digit[k]] + s->warp_counts[warp][digit[k]] + rank[k];
                s->keys[to] = key[k];
                s->index[to] = at[k];
            }
        }
        __syncthreads();

        // Out in tile order: consecutive threads mostly write consecutive places.
        for (i64 j = t; j < n; j += blockDim.x) {
            const K k = s->keys[j];
            const I i = s->index[j];
            const unsigned d = arr_sort_digit(a, pass, k, i);
            const i64 to = s->dest[d] + (j - (i64)s->local[d]);
            if (!last) {
                keys_out[to] = k;
                index_out[to] = i;
            } else if (a.argsort) {
                ((i64*)a.y)[to] = (i64)((u64)i % (u64)a.lane);
            } else {
                ((T*)a.y)[to] = ((const T*)a.x)[i];
            }
        }
        __syncthreads();
    }
}

template <typename T, typename I> __device__ void arr_sort(const ArrArgs a) {
    typedef decltype(arr_sort_key(T())) K;
    __shared__ ArrSortShared<K, I> s;
    const i64 stride = (i64)gridDim.x * blockDim.x;
    const i64 first = (i64)blockIdx.x * blockDim.x + threadIdx.x;
    if (a.stage == ARR_SORT_SHORT_LANES) {
        arr_sort_short<T, K>(a, &s.short_lanes);
    } else if (a.stage == ARR_SORT_CLEAR) {
        for (i64 i = first; i < a.control_words; i += stride) a.control[i] = 0;
    } else if (a.stage == ARR_SORT_HISTOGRAMS) {
        for (i64 p = 0; p < a.passes; ++p) s.hist[p][threadIdx.x] = 0;
        __syncthreads();
        for (i64 i = first; i < a.total; i += stride) {
            const K key = arr_sort_key(((const T*)a.x)[i]);
            for (i64 p = 0; p < a.passes; ++p) atomicAdd(&s.hist[p][arr_sort_digit(a, p, key, (u64)i)], 1u);
        }
        __syncthreads();
        for (i64 p = 0; p < a.passes; ++p) {
            const unsigned c = s.hist[p][threadIdx.x];
            if (c) atomicAdd(&a.control[256 * p + threadIdx.x], (u64)c);
        }
    } else if (a.stage == ARR_SORT_PASS) {
        arr_sort_pass<T, K, I>(a, &s.tile);
    }
}
