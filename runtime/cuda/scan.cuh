// Inclusive scans (cumsum, cumprod) along an axis, after the prelude. The array is `outer`
// blocks of `n` × `inner` elements; each lane (a fixed outer and inner index) is scanned by one
// block: thread t folds a contiguous chunk of the lane, thread 0 turns the chunks' totals into
// running prefixes in order, and each thread scans its chunk again from its prefix. Lanes start
// from +0 (sums) or 1 (products), as the runtime's scans do; the chunks depend on the length
// and the block size alone, so the result has the same bits on every run.
struct ArrArgs {
    const unsigned char* x;
    unsigned char* y;
    i64 outer;
    i64 n;
    i64 inner;
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

template <typename T, bool PRODUCT> __device__ void arr_scan(const ArrArgs a) {
    __shared__ double arr_scan_shared[2 * 1024];  // one 16-byte value per thread
    T* prefix = (T*)arr_scan_shared;
    const T identity = PRODUCT ? arr_one<T>() : arr_zero<T>();
    const i64 lanes = a.outer * a.inner;
    const i64 chunk = (a.n + blockDim.x - 1) / blockDim.x;
    for (i64 lane = blockIdx.x; lane < lanes; lane += gridDim.x) {
        const i64 o = lane / a.inner, i = lane % a.inner;
        const T* x = (const T*)a.x + o * a.n * a.inner + i;
        T* y = (T*)a.y + o * a.n * a.inner + i;
        const i64 begin = (i64)threadIdx.x * chunk;
        const i64 end = begin + chunk < a.n ? begin + chunk : a.n;
        T acc = identity;
        for (i64 j = begin; j < end; ++j) acc = arr_scan_op<T, PRODUCT>(acc, x[j * a.inner]);
        prefix[threadIdx.x] = acc;
        __syncthreads();
        if (threadIdx.x == 0) {
            T run = identity;
            for (unsigned t = 0; t < blockDim.x; ++t) {
                const T total = prefix[t];
                prefix[t] = run;
                run = arr_scan_op<T, PRODUCT>(run, total);
            }
        }
        __syncthreads();
        T run = prefix[threadIdx.x];
        for (i64 j = begin; j < end; ++j) {
            run = arr_scan_op<T, PRODUCT>(run, x[j * a.inner]);
            y[j * a.inner] = run;
        }
        __syncthreads();
    }
}
