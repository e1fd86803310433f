// The steps around cuFFT's transforms, after the prelude:
//   0  widens `count` real values `x` into complex ones in `y` (imaginary part 0), so a
//      complex transform can take a real array;
//   1  multiplies the `count` complex values of `y` by `scale` in place (an inverse
//      transform's 1/n, which cuFFT leaves out);
//   2  completes forward transforms of real input: cuFFT's real-to-complex transform writes
//      the first n/2 + 1 values of each transform (each `n` apart in `y`); the rest are
//      conjugates, y[k] = conj(y[n - k]) for n/2 < k < n. `count` is the number of those
//      upper values over all transforms (n - n/2 - 1 each).
struct ArrArgs {
    const unsigned char* x;
    unsigned char* y;
    i64 count;
    i64 n;
    double scale;
    i64 stage;
};

template <typename T, typename C> __device__ void arr_fft_step(const ArrArgs a) {
    const i64 stride = (i64)gridDim.x * blockDim.x;
    C* y = (C*)a.y;
    const i64 upper = a.n - a.n / 2 - 1;
    for (i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x; i < a.count; i += stride) {
        if (a.stage == 0) {
            y[i] = arr_complex(((const T*)a.x)[i], (T)0);
        } else if (a.stage == 1) {
            const T s = (T)a.scale;
            y[i] = arr_complex(y[i].re * s, y[i].im * s);
        } else {
            const i64 row = i / upper * a.n;
            const i64 k = a.n / 2 + 1 + i % upper;
            const C v = y[row + a.n - k];
            y[row + k] = arr_complex(v.re, -v.im);
        }
    }
}
