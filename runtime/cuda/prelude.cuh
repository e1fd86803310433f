// The device prelude of arrjit's CUDA kernels: every kernel's source starts with this text.
// Each function has the semantics of the reference interpreter (src/ir/interp), which follows
// NumPy: integer arithmetic wraps, `x % 0` is 0 for integers and NaN for floats, remainders
// are floored, `minimum`/`maximum` propagate NaN, `round` rounds halves to even, float to
// integer casts truncate and saturate with NaN -> 0. Math functions are CUDA's accurate ones.

typedef long long i64;
typedef unsigned long long u64;
typedef unsigned int u32;

#define ARR_INF_F64 __longlong_as_double(0x7ff0000000000000LL)
#define ARR_INF_F32 __int_as_float(0x7f800000)

// ---- integer arithmetic that wraps (signed overflow is undefined in C++: go unsigned) ----
__device__ __forceinline__ int arr_add(int a, int b) { return (int)((u32)a + (u32)b); }
__device__ __forceinline__ i64 arr_add(i64 a, i64 b) { return (i64)((u64)a + (u64)b); }
__device__ __forceinline__ int arr_sub(int a, int b) { return (int)((u32)a - (u32)b); }
__device__ __forceinline__ i64 arr_sub(i64 a, i64 b) { return (i64)((u64)a - (u64)b); }
__device__ __forceinline__ int arr_mul(int a, int b) { return (int)((u32)a * (u32)b); }
__device__ __forceinline__ i64 arr_mul(i64 a, i64 b) { return (i64)((u64)a * (u64)b); }
__device__ __forceinline__ int arr_neg(int a) { return (int)(0u - (u32)a); }
__device__ __forceinline__ i64 arr_neg(i64 a) { return (i64)(0ull - (u64)a); }
__device__ __forceinline__ int arr_abs(int a) { return a < 0 ? arr_neg(a) : a; }
__device__ __forceinline__ i64 arr_abs(i64 a) { return a < 0 ? arr_neg(a) : a; }
__device__ __forceinline__ int arr_sign(int a) { return (a > 0) - (a < 0); }
__device__ __forceinline__ i64 arr_sign(i64 a) { return (i64)((a > 0) - (a < 0)); }

template <typename T> __device__ __forceinline__ T arr_int_rem(T a, T b) {
    if (b == 0) return 0;
    if (b == -1) return 0;  // MIN % -1 would trap
    T r = a % b;
    return (r != 0 && ((r < 0) != (b < 0))) ? (T)(r + b) : r;
}
__device__ __forceinline__ int arr_rem(int a, int b) { return arr_int_rem(a, b); }
__device__ __forceinline__ i64 arr_rem(i64 a, i64 b) { return arr_int_rem(a, b); }

template <typename T> __device__ __forceinline__ T arr_int_pow(T base, T e) {
    if (e < 0) return base == 1 ? 1 : (base == -1 ? ((e % 2 == 0) ? 1 : -1) : 0);
    T acc = 1;
    while (e > 0) {
        if (e & 1) acc = arr_mul(acc, base);
        base = arr_mul(base, base);
        e >>= 1;
    }
    return acc;
}
__device__ __forceinline__ int arr_pow(int a, int b) { return arr_int_pow(a, b); }
__device__ __forceinline__ i64 arr_pow(i64 a, i64 b) { return arr_int_pow(a, b); }
__device__ __forceinline__ int arr_min(int a, int b) { return a < b ? a : b; }
__device__ __forceinline__ i64 arr_min(i64 a, i64 b) { return a < b ? a : b; }
__device__ __forceinline__ int arr_max(int a, int b) { return a > b ? a : b; }
__device__ __forceinline__ i64 arr_max(i64 a, i64 b) { return a > b ? a : b; }

// ---- floats ----
#define ARR_FLOAT_OPS(T, SUFFIX)                                                              \
    __device__ __forceinline__ T arr_add(T a, T b) { return a + b; }                         \
    __device__ __forceinline__ T arr_sub(T a, T b) { return a - b; }                         \
    __device__ __forceinline__ T arr_mul(T a, T b) { return a * b; }                         \
    __device__ __forceinline__ T arr_div(T a, T b) { return a / b; }                         \
    __device__ __forceinline__ T arr_neg(T a) { return -a; }                                 \
    __device__ __forceinline__ T arr_abs(T a) { return fabs##SUFFIX(a); }                    \
    __device__ __forceinline__ T arr_sign(T a) {                                             \
        return (a == (T)0 || a != a) ? a : (a > (T)0 ? (T)1 : (T)-1);                        \
    }                                                                                        \
    /* NaN if either is (the first NaN), else the smaller (larger), the first when equal: so */ \
    /* minimum(0.0, -0.0) is 0.0, as in the interpreter. */                                  \
    __device__ __forceinline__ T arr_min(T a, T b) { return (a <= b || a != a) ? a : b; }    \
    __device__ __forceinline__ T arr_max(T a, T b) { return (a >= b || a != a) ? a : b; }    \
    __device__ __forceinline__ T arr_pow(T a, T b) { return pow##SUFFIX(a, b); }             \
    __device__ __forceinline__ T arr_atan2(T a, T b) { return atan2##SUFFIX(a, b); }         \
    __device__ __forceinline__ T arr_rem(T a, T b) {                                         \
        T r = fmod##SUFFIX(a, b);                                                            \
        if (b == (T)0) return r;                                                             \
        if (r == (T)0) return copysign##SUFFIX((T)0, b);                                     \
        return ((r < (T)0) != (b < (T)0)) ? r + b : r;                                       \
    }                                                                                        \
    __device__ __forceinline__ T arr_sqrt(T a) { return sqrt##SUFFIX(a); }                   \
    __device__ __forceinline__ T arr_exp(T a) { return exp##SUFFIX(a); }                     \
    __device__ __forceinline__ T arr_exp2(T a) { return exp2##SUFFIX(a); }                   \
    __device__ __forceinline__ T arr_expm1(T a) { return expm1##SUFFIX(a); }                 \
    __device__ __forceinline__ T arr_log(T a) { return log##SUFFIX(a); }                     \
    __device__ __forceinline__ T arr_log2(T a) { return log2##SUFFIX(a); }                   \
    __device__ __forceinline__ T arr_log10(T a) { return log10##SUFFIX(a); }                 \
    __device__ __forceinline__ T arr_log1p(T a) { return log1p##SUFFIX(a); }                 \
    __device__ __forceinline__ T arr_sin(T a) { return sin##SUFFIX(a); }                     \
    __device__ __forceinline__ T arr_cos(T a) { return cos##SUFFIX(a); }                     \
    __device__ __forceinline__ T arr_tan(T a) { return tan##SUFFIX(a); }                     \
    __device__ __forceinline__ T arr_asin(T a) { return asin##SUFFIX(a); }                   \
    __device__ __forceinline__ T arr_acos(T a) { return acos##SUFFIX(a); }                   \
    __device__ __forceinline__ T arr_atan(T a) { return atan##SUFFIX(a); }                   \
    __device__ __forceinline__ T arr_sinh(T a) { return sinh##SUFFIX(a); }                   \
    __device__ __forceinline__ T arr_cosh(T a) { return cosh##SUFFIX(a); }                   \
    __device__ __forceinline__ T arr_tanh(T a) { return tanh##SUFFIX(a); }                   \
    __device__ __forceinline__ T arr_floor(T a) { return floor##SUFFIX(a); }                 \
    __device__ __forceinline__ T arr_ceil(T a) { return ceil##SUFFIX(a); }                   \
    __device__ __forceinline__ T arr_round(T a) { return rint##SUFFIX(a); }                  \
    __device__ __forceinline__ T arr_trunc(T a) { return trunc##SUFFIX(a); }                 \
    __device__ __forceinline__ bool arr_isnan(T a) { return a != a; }                        \
    __device__ __forceinline__ bool arr_isinf(T a) { return isinf(a); }
ARR_FLOAT_OPS(double, )
ARR_FLOAT_OPS(float, f)

// ---- bools ----
__device__ __forceinline__ bool arr_and(bool a, bool b) { return a && b; }
__device__ __forceinline__ bool arr_or(bool a, bool b) { return a || b; }
__device__ __forceinline__ bool arr_not(bool a) { return !a; }
__device__ __forceinline__ bool arr_min(bool a, bool b) { return a && b; }
__device__ __forceinline__ bool arr_max(bool a, bool b) { return a || b; }

// ---- casts: NumPy's rules, with float -> integer truncating and saturating, NaN -> 0 ----
template <typename To, typename From> struct ArrCast {
    __device__ static To run(From x) { return (To)x; }
};
template <typename From> struct ArrCast<bool, From> {
    __device__ static bool run(From x) { return x != (From)0; }
};
template <> struct ArrCast<i64, double> {
    __device__ static i64 run(double x) {
        if (x != x) return 0;
        if (x >= 9223372036854775807.0) return 9223372036854775807LL;
        if (x <= -9223372036854775808.0) return (i64)(-9223372036854775807LL - 1);
        return (i64)x;
    }
};
template <> struct ArrCast<i64, float> {
    __device__ static i64 run(float x) { return ArrCast<i64, double>::run((double)x); }
};
template <> struct ArrCast<int, double> {
    __device__ static int run(double x) {
        if (x != x) return 0;
        if (x >= 2147483647.0) return 2147483647;
        if (x <= -2147483648.0) return (int)(-2147483647 - 1);
        return (int)x;
    }
};
template <> struct ArrCast<int, float> {
    __device__ static int run(float x) { return ArrCast<int, double>::run((double)x); }
};
template <> struct ArrCast<int, i64> {
    __device__ static int run(i64 x) { return (int)(u32)(u64)x; }  // wraps
};
template <typename To, typename From> __device__ __forceinline__ To arr_cast(From x) {
    return ArrCast<To, From>::run(x);
}

// ---- complex numbers: c64 and c128 as pairs of parts, with the interpreter's formulas for the
// operations rendered here (the others run on the host) ----
struct ArrC64 { float re, im; };
struct ArrC128 { double re, im; };
#define ARR_COMPLEX_OPS(C, T)                                                                 \
    __device__ __forceinline__ C arr_complex(T re, T im) { C z; z.re = re; z.im = im; return z; } \
    __device__ __forceinline__ C arr_add(C a, C b) { return arr_complex(a.re + b.re, a.im + b.im); } \
    __device__ __forceinline__ C arr_sub(C a, C b) { return arr_complex(a.re - b.re, a.im - b.im); } \
    __device__ __forceinline__ C arr_mul(C a, C b) {                                          \
        return arr_complex(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re);             \
    }                                                                                         \
    __device__ __forceinline__ C arr_neg(C a) { return arr_complex(-a.re, -a.im); }          \
    __device__ __forceinline__ C arr_conj(C a) { return arr_complex(a.re, -a.im); }          \
    __device__ __forceinline__ T arr_real(C a) { return a.re; }                              \
    __device__ __forceinline__ T arr_imag(C a) { return a.im; }                              \
    __device__ __forceinline__ T arr_abs(C a) { return arr_hypot(a.re, a.im); }              \
    __device__ __forceinline__ T arr_angle(C a) { return arr_atan2(a.im, a.re); }            \
    __device__ __forceinline__ bool arr_isnan(C a) { return a.re != a.re || a.im != a.im; }  \
    __device__ __forceinline__ bool arr_isinf(C a) { return arr_isinf(a.re) || arr_isinf(a.im); } \
    __device__ __forceinline__ bool operator==(C a, C b) { return a.re == b.re && a.im == b.im; } \
    __device__ __forceinline__ bool operator!=(C a, C b) { return a.re != b.re || a.im != b.im; }
__device__ __forceinline__ float arr_hypot(float a, float b) { return hypotf(a, b); }
__device__ __forceinline__ double arr_hypot(double a, double b) { return hypot(a, b); }
ARR_COMPLEX_OPS(ArrC64, float)
ARR_COMPLEX_OPS(ArrC128, double)

// Casts: real to complex has imaginary part 0, complex to real drops the imaginary part (then
// casts as from the real part), complex to bool is `re != 0 || im != 0`.
#define ARR_TO_COMPLEX(C, T, FROM)                                                            \
    template <> struct ArrCast<C, FROM> {                                                     \
        __device__ static C run(FROM x) { return arr_complex(ArrCast<T, FROM>::run(x), (T)0); } \
    };
#define ARR_FROM_COMPLEX(C, T, TO)                                                            \
    template <> struct ArrCast<TO, C> {                                                       \
        __device__ static TO run(C z) { return ArrCast<TO, T>::run(z.re); }                   \
    };
#define ARR_COMPLEX_CASTS(C, T)                                                               \
    ARR_TO_COMPLEX(C, T, bool) ARR_TO_COMPLEX(C, T, int) ARR_TO_COMPLEX(C, T, i64)           \
    ARR_TO_COMPLEX(C, T, float) ARR_TO_COMPLEX(C, T, double)                                  \
    ARR_FROM_COMPLEX(C, T, int) ARR_FROM_COMPLEX(C, T, i64) ARR_FROM_COMPLEX(C, T, float)    \
    ARR_FROM_COMPLEX(C, T, double)                                                            \
    template <> struct ArrCast<bool, C> {                                                     \
        __device__ static bool run(C z) { return z.re != (T)0 || z.im != (T)0; }             \
    };
ARR_COMPLEX_CASTS(ArrC64, float)
ARR_COMPLEX_CASTS(ArrC128, double)
template <> struct ArrCast<ArrC64, ArrC128> {
    __device__ static ArrC64 run(ArrC128 z) { return arr_complex((float)z.re, (float)z.im); }
};
template <> struct ArrCast<ArrC128, ArrC64> {
    __device__ static ArrC128 run(ArrC64 z) { return arr_complex((double)z.re, (double)z.im); }
};

// A 16-byte slot of a kernel's constants (`args.params`) and phase results
// (`args.phase_vals`), in the layout of the host's `cpu::run::slot`.
union ArrSlot {
    bool b; int i; i64 l; float f; double d; ArrC64 c64; ArrC128 c128; unsigned char bytes[16];
};

// ---- Philox4x32-10 random numbers: the same streams as the runtime crate (rng.rs) ----
__device__ __forceinline__ void arr_philox(u32 ctr[4], u32 k0, u32 k1) {
    for (int round = 0; round < 10; ++round) {
        if (round > 0) { k0 += 0x9E3779B9u; k1 += 0xBB67AE85u; }
        u64 p0 = (u64)0xD2511F53u * ctr[0];
        u64 p1 = (u64)0xCD9E8D57u * ctr[2];
        u32 hi0 = (u32)(p0 >> 32), lo0 = (u32)p0, hi1 = (u32)(p1 >> 32), lo1 = (u32)p1;
        u32 x1 = ctr[1], x3 = ctr[3];
        ctr[0] = hi1 ^ x1 ^ k0;
        ctr[1] = lo1;
        ctr[2] = hi0 ^ x3 ^ k1;
        ctr[3] = lo0;
    }
}
__device__ __forceinline__ void arr_words(u64 seed, u64 i, u32 w[4]) {
    w[0] = (u32)i; w[1] = (u32)(i >> 32); w[2] = 0; w[3] = 0;
    arr_philox(w, (u32)seed, (u32)(seed >> 32));
}
__device__ __forceinline__ double arr_uniform_f64(u64 seed, u64 i) {
    u32 w[4]; arr_words(seed, i, w);
    return (double)((((u64)w[1] << 32) | w[0]) >> 11) * (1.0 / 9007199254740992.0);
}
__device__ __forceinline__ float arr_uniform_f32(u64 seed, u64 i) {
    u32 w[4]; arr_words(seed, i, w);
    return (float)(w[1] >> 8) * (1.0f / 16777216.0f);
}
__device__ __forceinline__ double arr_normal_f64(u64 seed, u64 i) {
    u32 w[4]; arr_words(seed, i, w);
    double u1 = (double)(((((u64)w[1] << 32) | w[0]) >> 11) + 1) * (1.0 / 9007199254740992.0);
    double u2 = (double)((((u64)w[3] << 32) | w[2]) >> 11) * (1.0 / 9007199254740992.0);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
__device__ __forceinline__ float arr_normal_f32(u64 seed, u64 i) { return (float)arr_normal_f64(seed, i); }

// ---- reductions: a fixed combining order inside a block, so every run gives the same bits ----
template <typename T> struct ArrSum { __device__ static T id() { return (T)0; } __device__ static T op(T a, T b) { return arr_add(a, b); } };
template <typename T> struct ArrProd { __device__ static T id() { return (T)1; } __device__ static T op(T a, T b) { return arr_mul(a, b); } };
template <typename T> struct ArrMinOp { __device__ static T op(T a, T b) { return arr_min(a, b); } };
template <typename T> struct ArrMaxOp { __device__ static T op(T a, T b) { return arr_max(a, b); } };

// A warp shuffle down by `offset` lanes (complex numbers part by part).
template <typename T> __device__ __forceinline__ T arr_shfl_down(T v, int offset) {
    return __shfl_down_sync(0xffffffffu, v, offset);
}
template <> __device__ __forceinline__ ArrC64 arr_shfl_down(ArrC64 v, int offset) {
    return arr_complex(arr_shfl_down(v.re, offset), arr_shfl_down(v.im, offset));
}
template <> __device__ __forceinline__ ArrC128 arr_shfl_down(ArrC128 v, int offset) {
    return arr_complex(arr_shfl_down(v.re, offset), arr_shfl_down(v.im, offset));
}

// Combines one value per thread of the block (blockDim.x a power of two, at most 1024) in a
// fixed tree order: warp shuffles, then the warps' results through shared memory (`shared`
// holds 32 values of 16 bytes). Every thread gets the result.
template <typename T, typename Op> __device__ T arr_block_reduce(T v, T* shared) {
    for (int offset = 16; offset > 0; offset >>= 1) {
        v = Op::op(v, arr_shfl_down(v, offset));
    }
    int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    __syncthreads();
    if (lane == 0) shared[warp] = v;
    __syncthreads();
    int warps = (blockDim.x + 31) / 32;
    if (warp == 0) {
        v = lane < warps ? shared[lane] : shared[0];
        bool active = lane < warps;
        for (int offset = 16; offset > 0; offset >>= 1) {
            T other = arr_shfl_down(v, offset);
            bool other_active = (lane + offset) < warps;
            if (active && other_active) v = Op::op(v, other);
        }
        if (lane == 0) shared[0] = v;
    }
    __syncthreads();
    T result = shared[0];
    __syncthreads();
    return result;
}
