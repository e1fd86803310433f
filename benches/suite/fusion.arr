# Workloads where fusion matters most, which the original comparison lacks: each is one loop
# (or one loop around library calls) in arr, and a temporary array per operator in NumPy.

a1k = rand(1_000, seed=1)
b1k = rand(1_000, seed=2) + 0.5
a1m = rand(1_000_000, seed=1)
b1m = rand(1_000_000, seed=2) + 0.5

# An element-wise chain: five operators, one kernel.
bench "chain_1K" { y = sin(a1k) * b1k + a1k * a1k / (1 + b1k) }
bench "chain_1M" { y = sin(a1m) * b1m + a1m * a1m / (1 + b1m) }

# Softmax over the rows of an n×n matrix: a max and a sum per row around the exponentials.
x32 = rand((32, 32), seed=1)
x1000 = rand((1000, 1000), seed=1)
bench "softmax_32x32" { p = softmax(x32, axis=1) }
bench "softmax_1000x1000" { p = softmax(x1000, axis=1) }

# A second-difference stencil: three shifted views of one array.
bench "stencil_1K" { d2 = a1k[2:] - 2 * a1k[1:-1] + a1k[:-2] }
bench "stencil_1M" { d2 = a1m[2:] - 2 * a1m[1:-1] + a1m[:-2] }

# The gradient of the logistic loss with respect to w, X 10,000×100: two matrix-vector
# products around one fused element-wise kernel.
X10k = randn((10_000, 100), seed=1)
y10k = where(rand(10_000, seed=2) > 0.5, 1.0, -1.0)
w_lr = randn(100, seed=3) * 0.1
fn logistic(w) = sum(log(1 + exp(-y10k * (X10k @ w))))
bench "logreg_10Kx100" { g = grad(logistic)(w_lr) }
