// Inclusive scans (cumsum, cumprod) along an axis, after the prelude.
//
// The array is `outer` × `n` × `inner` elements, scanned along `n`: a lane is one (outer,
// inner) pair. Blocks of ARR_SCAN_THREADS threads take tiles of ARR_SCAN_TILE elements:
// `lanes` lanes (a power of two the host picks) × ARR_SCAN_TILE / `lanes` positions. Where the
// lanes are contiguous (`inner` is 1), a tile's lanes are rows, consecutive outer indices;
// otherwise they are columns, consecutive inner indices. Either way a tile goes between
// global and shared memory in coalesced runs, and each thread then takes ARR_SCAN_ITEMS
// consecutive positions of one lane (a segment) in shared memory.
//
// Stages (`a.stage`):
//   0  REDUCE: the total of each tile's lanes, to `totals`, laid out as groups × tiles ×
//      lanes. That is an array scanned along its middle axis; the host scans it in place
//      with this same kernel before stage 1.
//   1  DOWN: each tile scanned on from the inclusive total of the tiles before it in its
//      lanes (from `totals`, when a lane has more than one tile), to y.
//
// In a tile each thread folds its segment in order, the segments' totals of a lane are
// scanned in log₂ steps (Hillis and Steele), and each thread folds its segment again from the
// total before it. The grouping depends on the shape alone, so the result has the same bits
// on every run. As in the runtime's scans, the identity (+0 for sums, 1 for products) meets
// a lane's first element only.
#define ARR_SCAN_THREADS 256
#define ARR_SCAN_ITEMS 8
#define ARR_SCAN_TILE (ARR_SCAN_THREADS * ARR_SCAN_ITEMS)
// Blocks per multiprocessor the kernel is built for (`__launch_bounds__`): left to itself,
// ptxas gives it 128 to 168 registers (one or two blocks at a time), mostly invariants it
// could recompute; at five blocks it takes 48 and spills at most 4 bytes.
#define ARR_SCAN_MIN_BLOCKS 5
#define ARR_SCAN_REDUCE 0
#define ARR_SCAN_DOWN 1

struct ArrArgs {
    const unsigned char* x;
    unsigned char* y;
    unsigned char* totals;
    i64 outer;
    i64 n;
    i64 inner;
    i64 lanes;
    i64 stage;
};

template <typename T> __device__ __forceinline__ T arr_zero() { return (T)0; }
template <typename T> __device__ __forceinline__ T arr_one() { return (T)1; }
template <> __device__ __forceinline__ ArrC64 arr_zero<ArrC64>() { return arr_complex(0.0f, 0.0f); }
template <> __device__ __forceinline__ ArrC128 arr_zero<ArrC128>() { return arr_complex(0.0, 0.0); }
template <> __device__ __forceinline__ ArrC64 arr_one<ArrC64>() { return arr_complex(1.0f, 0.0f); }
template <> __device__ __forceinline__ ArrC128 arr_one<ArrC128>() { return arr_complex(1.0, 0.0); }

template <typename T, bool PRODUCT> __device__ __forceinline__ T arr_scan_op(T a, T b) {
    return PRODUCT ? arr_mul(a, b) : arr_add(a, b);
}

// A tile in shared memory (one padding slot after every 32 elements, so that threads reading
// their segments side by side hit different banks) and the segments' totals.
template <typename T> struct ArrScanShared {
    T tile[ARR_SCAN_TILE + ARR_SCAN_TILE / 32];
    T segments[ARR_SCAN_THREADS];
};

__device__ __forceinline__ int arr_scan_slot(int e) { return e + (e >> 5); }

template <typename T, bool PRODUCT> __device__ void arr_scan(const ArrArgs a) {
    __shared__ ArrScanShared<T> sh;
    const int lanes = (int)a.lanes;
    int lane_bits = 0;
    while ((1 << lane_bits) < lanes) ++lane_bits;
    const int positions = ARR_SCAN_TILE >> lane_bits;
    int position_bits = 0;
    while ((1 << position_bits) < positions) ++position_bits;
    const int segments = ARR_SCAN_THREADS >> lane_bits;  // per lane
    const bool rows = a.inner == 1;
    // Tiles: lane groups (of `lanes` rows, or of `lanes` columns of one outer index) ×
    // tiles along n.
    const i64 column_groups = rows ? 1 : (a.inner + lanes - 1) / lanes;
    const i64 groups = rows ? (a.outer + lanes - 1) / lanes : a.outer * column_groups;
    const i64 along = (a.n + positions - 1) / positions;
    const T identity = PRODUCT ? arr_one<T>() : arr_zero<T>();
    // This thread's lane of the tile and segment of that lane. Its segment's elements are
    // the tile's elements `mine + k * step`. Segments' totals go to slot t: the segments of
    // a row side by side, or the lanes of a column side by side, so a lane's segments are
    // `step` slots apart there too.
    const int t = (int)threadIdx.x;
    const int lane = rows ? t / segments : t & (lanes - 1);
    const int segment = rows ? t % segments : t >> lane_bits;
    const int step = rows ? 1 : lanes;
    const int mine = rows ? t * ARR_SCAN_ITEMS : ((segment * ARR_SCAN_ITEMS) << lane_bits) + lane;
    // Tile element e is lane `e >> position_bits`, position `e & (positions - 1)` in rows;
    // lane `e & (lanes - 1)`, position `e >> lane_bits` in columns. Between lanes and
    // between positions, x and y have these strides:
    const i64 lane_stride = rows ? a.n : 1, position_stride = rows ? 1 : a.inner;
    const T* x = (const T*)a.x;
    T* y = (T*)a.y;
    T* totals = (T*)a.totals;
    for (i64 id = blockIdx.x; id < groups * along; id += gridDim.x) {
        const i64 group = id / along, tile = id % along;
        const i64 first = tile * positions;  // the tile's first position along n
        const i64 o = rows ? group * lanes : group / column_groups;
        const i64 i = rows ? 0 : (group % column_groups) * lanes;
        // The tile's lanes and positions inside the array, and its first element's offset.
        const i64 lanes_left = rows ? a.outer - o : a.inner - i;
        const int live_lanes = lanes_left < lanes ? (int)lanes_left : lanes;
        const int live_positions = a.n - first < positions ? (int)(a.n - first) : positions;
        const i64 base = (o * a.n + first) * a.inner + i;
        // The offset in x and y of the tile's element e, or -1 past the array's edges.
        auto offset = [&](int e) -> i64 {
            const int el = rows ? e >> position_bits : e & (lanes - 1);
            const int ej = rows ? e & (positions - 1) : e >> lane_bits;
            return el < live_lanes && ej < live_positions
                       ? base + el * lane_stride + ej * position_stride
                       : -1;
        };
        for (int k = 0; k < ARR_SCAN_ITEMS; ++k) {
            const int e = t + k * ARR_SCAN_THREADS;
            const i64 at = offset(e);
            sh.tile[arr_scan_slot(e)] = at >= 0 ? x[at] : identity;
        }
        __syncthreads();
        // A lane's first element meets the identity here too, so that the totals agree with
        // what stage 1 writes (+0 + -0 is +0).
        T total = sh.tile[arr_scan_slot(mine)];
        if (tile == 0 && segment == 0) total = arr_scan_op<T, PRODUCT>(identity, total);
        for (int k = 1; k < ARR_SCAN_ITEMS; ++k) {
            total = arr_scan_op<T, PRODUCT>(total, sh.tile[arr_scan_slot(mine + k * step)]);
        }
        sh.segments[t] = total;
        __syncthreads();
        for (int d = 1; d < segments; d <<= 1) {
            T v = sh.segments[t];
            if (segment >= d) v = arr_scan_op<T, PRODUCT>(sh.segments[t - d * step], v);
            __syncthreads();
            sh.segments[t] = v;
            __syncthreads();
        }
        // This lane's entry of `totals` for the tile.
        const i64 total_at = (group * along + tile) * lanes + lane;
        if (a.stage == ARR_SCAN_REDUCE) {
            if (segment == segments - 1) totals[total_at] = sh.segments[t];
        } else {
            // What comes before the segment: the earlier tiles' total, then the earlier
            // segments'. A lane's first segment starts from the identity.
            const bool earlier_tiles = tile > 0, earlier_segments = segment > 0;
            T run = earlier_tiles ? totals[total_at - lanes] : identity;
            if (earlier_segments) {
                const T segs = sh.segments[t - step];
                run = earlier_tiles ? arr_scan_op<T, PRODUCT>(run, segs) : segs;
            }
            for (int k = 0; k < ARR_SCAN_ITEMS; ++k) {
                run = arr_scan_op<T, PRODUCT>(run, sh.tile[arr_scan_slot(mine + k * step)]);
                sh.tile[arr_scan_slot(mine + k * step)] = run;
            }
            __syncthreads();
            for (int k = 0; k < ARR_SCAN_ITEMS; ++k) {
                const int e = t + k * ARR_SCAN_THREADS;
                const i64 at = offset(e);
                if (at >= 0) y[at] = sh.tile[arr_scan_slot(e)];
            }
        }
        __syncthreads();
    }
}
