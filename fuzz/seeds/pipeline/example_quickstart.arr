# arrjit quickstart: build arrays, combine them with NumPy-style operators, print results.
#
#   cargo run --release -- run examples/quickstart.arr

n = 1_000_000
a = rand(n, seed=1)                 # uniform [0, 1), f64 by default
b = linspace(0, 1, n)

# A function with an expression body. It accepts any dtype and shape its body accepts.
fn kernel(a, b) = sin(a) * b + a * a / (1 + b)

y = kernel(a, b)
print("sum of y:", sum(y))
print("first four:", y[0:4])

# Shapes, broadcasting and reductions along an axis.
m = reshape(arange(12), (3, 4))
print(m)
print("column sums:", sum(m, axis=0))
print("m - row means:")
print(m - mean(m, axis=1, keepdims=true))

# `arr run` runs a bench block once; `arr bench` (later) times it.
bench "fused chain" {
    z = kernel(a, b)
}
print("max |z - y|:", max(abs(z - y)))
