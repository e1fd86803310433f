# The GPU comparison: `arr bench --device cuda --json benches/gpu/suite.arr`, merged with
# benches/gpu/peers_gpu.py (PyTorch, CuPy, JAX) by benches/gpu/run.sh. Block names match the
# peer script's workloads (`NAME_DTYPE`). Inputs are made once, outside the blocks, so they
# stay on the device; a block's results stay there too (`arr bench` copies nothing back
# unless the block prints), and the kernels and transfers columns say where the time went.

a100m = rand(100_000_000, seed=1, dtype=f32)
b100m = rand(100_000_000, seed=2, dtype=f32) + 0.5

# Reading and writing 400 MB each: the copy bandwidth the fused chain is compared with.
bench "copy_100M_f32" { y = a100m + 0 }
bench "chain_100M_f32" { y = sin(a100m) * b100m + a100m * a100m / (1 + b100m) }
bench "stencil_100M_f32" { y = a100m[2:] - 2 * a100m[1:-1] + a100m[:-2] }

a1k32 = rand(1_000, seed=1, dtype=f32)
b1k32 = rand(1_000, seed=2, dtype=f32) + 0.5
a1m32 = rand(1_000_000, seed=1, dtype=f32)
b1m32 = rand(1_000_000, seed=2, dtype=f32) + 0.5
a1k = rand(1_000, seed=1)
b1k = rand(1_000, seed=2) + 0.5
a1m = rand(1_000_000, seed=1)
b1m = rand(1_000_000, seed=2) + 0.5

bench "add_1K_f32" { y = a1k32 + b1k32 }
bench "add_1K_f64" { y = a1k + b1k }
bench "add_1M_f32" { y = a1m32 + b1m32 }
bench "add_1M_f64" { y = a1m + b1m }
bench "mul_1K_f32" { y = a1k32 * b1k32 }
bench "mul_1K_f64" { y = a1k * b1k }
bench "mul_1M_f32" { y = a1m32 * b1m32 }
bench "mul_1M_f64" { y = a1m * b1m }
bench "sin_1K_f32" { y = sin(a1k32) }
bench "sin_1K_f64" { y = sin(a1k) }
bench "sin_1M_f32" { y = sin(a1m32) }
bench "sin_1M_f64" { y = sin(a1m) }

m100 = rand((100, 100), seed=3)
n100 = rand((100, 100), seed=4)
m100f = rand((100, 100), seed=3, dtype=f32)
n100f = rand((100, 100), seed=4, dtype=f32)
m2000 = rand((2000, 2000), seed=3)
n2000 = rand((2000, 2000), seed=4)
m2000f = rand((2000, 2000), seed=3, dtype=f32)
n2000f = rand((2000, 2000), seed=4, dtype=f32)
bench "matmul_100_f32" { c = m100f @ n100f }
bench "matmul_100_f64" { c = m100 @ n100 }
bench "matmul_2000_f32" { c = m2000f @ n2000f }
bench "matmul_2000_f64" { c = m2000 @ n2000 }

fn loss(w, x) = sum((w * x) ** 2)
w100 = rand(100, seed=2, dtype=f32) + 0.5
x100 = rand(100, seed=1, dtype=f32)
w10k = rand(10_000, seed=2, dtype=f32) + 0.5
x10k = rand(10_000, seed=1, dtype=f32)
bench "grad_100_f32" { g = grad(loss)(w100, x100) }
bench "grad_10K_f32" { g = grad(loss)(w10k, x10k) }
bench "grad_1M_f32" { g = grad(loss)(b1m32, a1m32) }

bench "fft_1K_f64" { f = fft(a1k) }
bench "fft_1K_f32" { f = fft(a1k32) }
bench "fft_1M_f64" { f = fft(a1m) }
bench "fft_1M_f32" { f = fft(a1m32) }

bench "sort_1K_f32" { s = sort(a1k32) }
bench "sort_1K_f64" { s = sort(a1k) }
bench "sort_1M_f32" { s = sort(a1m32) }
bench "sort_1M_f64" { s = sort(a1m) }

bench "cumsum_1M_f32" { c = cumsum(a1m32) }
bench "cumsum_1M_f64" { c = cumsum(a1m) }

s1m = rand((1000, 1000), seed=5, dtype=f32)
bench "cumsum0_1Mx_f32" { c = cumsum(s1m, axis=0) }
# One result, as the peers' softmax has (a block keeps every array it names).
bench "softmax_1Mx_f32" { p = softmax(s1m, axis=1) }
