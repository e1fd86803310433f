# The example from DESIGN.md, "The language".
n = 1_000_000
a = rand(n, seed=1)                  # f64 by default; rand((m, n), seed=1, dtype=f32)
b = linspace(0, 1, n)

fn kernel(a, b) = sin(a) * b + a * a / (1 + b)     # expression body
fn loss(w, x) {                                     # block body: last expression is the value
    s = w * x
    sum(s ** 2)
}
dloss = grad(loss)                   # d/d(first argument); grad(loss, wrt=x) names another
y = kernel(a, b)
print(sum(y), dloss(a, b)[0:4])
for i in 0..100 { a = a - 0.1 * dloss(a, b) }
bench "fused chain" { y = kernel(a, b) }
save("y.npy", y)
