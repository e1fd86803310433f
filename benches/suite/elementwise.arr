# Element-wise operations at a small and a large size, as in the NumPy/JAX/PyTorch comparison:
# at 1,000 elements the fixed cost of a call decides, at 1,000,000 memory bandwidth and threads.
# Inputs are uniform in [0, 1) (`b` shifted by 0.5), made outside the timed blocks. The block
# names are the workload names of benches/peers/peers.py, so benches/suite/run.py merges them.

a1k = rand(1_000, seed=1)
b1k = rand(1_000, seed=2) + 0.5
a1m = rand(1_000_000, seed=1)
b1m = rand(1_000_000, seed=2) + 0.5

bench "add_1K" { y = a1k + b1k }
bench "add_1M" { y = a1m + b1m }
bench "mul_1K" { y = a1k * b1k }
bench "mul_1M" { y = a1m * b1m }
bench "sin_1K" { y = sin(a1k) }
bench "sin_1M" { y = sin(a1m) }
