# Reductions fuse with the elementwise work that feeds them: no temporary array at all.
# Run with `arr bench examples/bench/reductions.arr`.

n = 1_000_000
w = rand(n, seed=1)
x = randn(n, seed=2)

bench "sum((w*x)**2) 1M" { loss = sum((w * x) ** 2) }
bench "softmax 1M" { p = softmax(x) }

print("loss:", loss, " softmax sums to", sum(p))
