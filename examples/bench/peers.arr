# The workloads of benches/peers/peers.py, for `arr bench --json examples/bench/peers.arr`.
# Each bench's name matches the peer script's, so the two merge into one table. Inputs are
# random f64 arrays (uniform in [0, 1), `b` and `w` shifted by 0.5) made outside the timed blocks;
# `arr run` runs every block once.

# First, so that no other bench has compiled the same kernel already: its compile time is the
# compile latency of a fresh chain function (the peers time a freshly jitted function's first call).
fn chain(a, b) = sin(a) * b + a * a / (1 + b)
c_a = rand(1_000, seed=11)
c_b = rand(1_000, seed=12) + 0.5
bench "compile_chain_cold" { y = chain(c_a, c_b) }
# Its second call, on a new size: kernels are cached by structure, not size, so nothing compiles.
r_a = rand(2_000, seed=13)
r_b = rand(2_000, seed=14) + 0.5
bench "compile_chain_resize" { y = chain(r_a, r_b) }

a8 = rand(8, seed=1)
b8 = rand(8, seed=2) + 0.5
a1k = rand(1_000, seed=1)
b1k = rand(1_000, seed=2) + 0.5
a1m = rand(1_000_000, seed=1)
b1m = rand(1_000_000, seed=2) + 0.5
a10m = rand(10_000_000, seed=1)
b10m = rand(10_000_000, seed=2) + 0.5

bench "chain_8" { y = sin(a8) * b8 + a8 * a8 / (1 + b8) }
bench "chain_1K" { y = sin(a1k) * b1k + a1k * a1k / (1 + b1k) }
bench "chain_1M" { y = sin(a1m) * b1m + a1m * a1m / (1 + b1m) }
bench "chain_10M" { y = sin(a10m) * b10m + a10m * a10m / (1 + b10m) }

# x = a10m, w = b10m
bench "poly_10M" { y = 0.25 * a10m**3 + 0.75 * a10m**2 - 1.5 * a10m - 2 }
bench "sumsq_10M" { y = sum((b10m * a10m) ** 2) }

bench "sin_1K" { y = sin(a1k) }
bench "sin_1M" { y = sin(a1m) }
bench "sin_10M" { y = sin(a10m) }

bench "add_1K" { y = a1k + b1k }
bench "add_1M" { y = a1m + b1m }
bench "add_10M" { y = a10m + b10m }
bench "mul_1K" { y = a1k * b1k }
bench "mul_1M" { y = a1m * b1m }

bench "stencil_1K" { y = a1k[2:] - 2 * a1k[1:-1] + a1k[:-2] }
bench "stencil_1M" { y = a1m[2:] - 2 * a1m[1:-1] + a1m[:-2] }
bench "stencil_10M" { y = a10m[2:] - 2 * a10m[1:-1] + a10m[:-2] }

# Softmax over the rows of an n×n matrix.
x32 = rand((32, 32), seed=1)
x1000 = rand((1000, 1000), seed=1)
bench "softmax_32x32" { p = softmax(x32, axis=1) }
bench "softmax_1000x1000" { p = softmax(x1000, axis=1) }

# The gradient of sum((w*x)**2) with respect to w, fused into one kernel.
fn loss(w, x) = sum((w * x) ** 2)
w100 = rand(100, seed=2) + 0.5
x100 = rand(100, seed=1)
w10k = rand(10_000, seed=2) + 0.5
x10k = rand(10_000, seed=1)
bench "grad_100" { g = grad(loss)(w100, x100) }
bench "grad_10K" { g = grad(loss)(w10k, x10k) }
bench "grad_1M" { g = grad(loss)(b1m, a1m) }

# The gradient of the logistic loss: two matrix-vector products around a fused elementwise part.
X10k = randn((10_000, 100), seed=1)
y10k = where(rand(10_000, seed=2) > 0.5, 1.0, -1.0)
w_lr = randn(100, seed=3) * 0.1
fn logistic(w) = sum(log(1 + exp(-y10k * (X10k @ w))))
bench "logreg_10Kx100" { g = grad(logistic)(w_lr) }

# Matrix products (a GEMM library call).
m100a = rand((100, 100), seed=1)
m100b = rand((100, 100), seed=2)
m2000a = rand((2000, 2000), seed=1)
m2000b = rand((2000, 2000), seed=2)
bench "matmul_100" { c = m100a @ m100b }
bench "matmul_2000" { c = m2000a @ m2000b }

# The FFT of a real vector (the full complex spectrum, as np.fft.fft gives).
f1k = rand(1_000, seed=1)
f1m = rand(1_000_000, seed=1)
f2m = rand(1_048_576, seed=1)
bench "fft_1K" { y = fft(f1k) }
bench "fft_1M" { y = fft(f1m) }
bench "fft_1048576" { y = fft(f2m) }

# Sorting uniform doubles.
s1k = rand(1_000, seed=1)
s1m = rand(1_000_000, seed=1)
bench "sort_1K" { y = sort(s1k) }
bench "sort_1M" { y = sort(s1m) }
