# The gradient of sum((w*x)**2) with respect to w: autodiff gives 2*(w*x)*x, fused into one
# kernel that reads w and x once. The peers use jax.grad, PyTorch autograd, and the derivative
# written by hand in NumPy and Numba. `w` is uniform in [0.5, 1.5), `x` in [0, 1).

fn loss(w, x) = sum((w * x) ** 2)
w100 = rand(100, seed=2) + 0.5
x100 = rand(100, seed=1)
w10k = rand(10_000, seed=2) + 0.5
x10k = rand(10_000, seed=1)

bench "grad_100" { g = grad(loss)(w100, x100) }
bench "grad_10K" { g = grad(loss)(w10k, x10k) }
