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

# Gradient descent from a script: a loop of `w = w - 0.01 * grad(loss)(w, x)`, 10,000 steps on
# 100 parameters and 100 on a million. The loop is traced once and replayed (a Program), so a
# step costs its kernels plus a call. `gd_step_1M` is one step alone, for the ratio.
fn loss_gd(w, x) = sum((w * x - 1) ** 2)
w1m = rand(1_000_000, seed=2) + 0.5
x1m = rand(1_000_000, seed=1)
bench "gd_100" {
    w = w100
    for i in 0..10_000 { w = w - 0.01 * grad(loss_gd)(w, x100) }
}
bench "gd_1M" {
    w = w1m
    for i in 0..100 { w = w - 0.01 * grad(loss_gd)(w, x1m) }
}
bench "gd_step_1M" { w = w1m - 0.01 * grad(loss_gd)(w1m, x1m) }
