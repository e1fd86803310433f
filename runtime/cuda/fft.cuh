// The steps around cuFFT's transforms, after the prelude: stage 0 widens `count` real
// values `x` into complex ones in `y` (imaginary part 0), so a complex transform can take a real
// array; stage 1 multiplies the `count` complex values of `y` by `scale` in place (an inverse
// transform's 1/n, which cuFFT leaves out).
struct ArrArgs {
    const unsigned char* x;
    unsigned char* y;
    i64 count;
    double scale;
    i64 stage;
};

template <typename T, typename C> __device__ void arr_fft_step(const ArrArgs a) {
    const i64 stride = (i64)gridDim.x * blockDim.x;
    C* y = (C*)a.y;
    for (i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x; i < a.count; i += stride) {
        if (a.stage == 0) {
            y[i] = arr_complex(((const T*)a.x)[i], (T)0);
        } else {
            const T s = (T)a.scale;
            y[i] = arr_complex(y[i].re * s, y[i].im * s);
        }
    }
}
