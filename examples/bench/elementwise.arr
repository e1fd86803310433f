# Elementwise chains: where fusion pays most. Run with `arr bench examples/bench/elementwise.arr`.
# Fused mode computes each chain in one pass over memory; unfused mode makes one pass (and one
# temporary array) per operator, as NumPy does; interp runs the reference interpreter.

n = 1_000_000
a = rand(n, seed=1)
b = rand(n, seed=2) + 0.5
x = linspace(-2, 2, n)

fn chain(a, b) = sin(a) * b + a * a / (1 + b)

bench "chain 1M" { y = chain(a, b) }
bench "polynomial 1M" { p = 0.25 * x**3 + 0.75 * x**2 - 1.5 * x - 2 }
bench "sin 1M" { s = sin(a) }
bench "a+b 1M" { c = a + b }

# At 1,000 elements the fixed cost of a call dominates.
a1k = rand(1000, seed=3)
b1k = rand(1000, seed=4)
bench "sin 1K" { s = sin(a1k) }
bench "a+b 1K" { c = a1k + b1k }

print("checks:", sum(y) / n, sum(p) / n, sum(c))
