# Compile latency: the time to the first result of a freshly defined function, and of its
# second call on a new size. benches/suite/run.py quotes compile_s plus the median run.
# Kernels are cached by structure, not size, so the call on the new size compiles nothing.
# This script must run in its own process, with these blocks first: a kernel compiled by an
# earlier block would be reused.

fn chain(a, b) = sin(a) * b + a * a / (1 + b)
c_a = rand(1_000, seed=11)
c_b = rand(1_000, seed=12) + 0.5
bench "compile_chain_cold" { y = chain(c_a, c_b) }

r_a = rand(2_000, seed=13)
r_b = rand(2_000, seed=14) + 0.5
bench "compile_chain_resize" { y = chain(r_a, r_b) }
