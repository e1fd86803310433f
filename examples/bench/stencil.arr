# A 1-D second-difference stencil: three shifted views of one array, fused into one loop.
# Run with `arr bench examples/bench/stencil.arr`.

n = 1_000_000
x = sin(linspace(0, 20, n))

bench "stencil 1M" { d2 = x[2:] - 2 * x[1:-1] + x[:-2] }

print("max |d2|:", max(abs(d2)))
