# Kernels around the size where splitting them across threads starts to pay. Run twice, with
# ARRJIT_PARALLEL_MIN_WORK=1 (always split) and =1000000000 (never), and compare:
#   ARRJIT_PARALLEL_MIN_WORK=1 arr bench --mode fused examples/bench/threshold.arr
a4 = rand(4096, seed=1)
b4 = rand(4096, seed=2)
a16 = rand(16384, seed=1)
b16 = rand(16384, seed=2)
a64 = rand(65536, seed=1)
b64 = rand(65536, seed=2)
a256 = rand(262144, seed=1)
b256 = rand(262144, seed=2)
bench "a+b 4K" { y = a4 + b4 }
bench "a+b 16K" { y = a16 + b16 }
bench "a+b 64K" { y = a64 + b64 }
bench "a+b 256K" { y = a256 + b256 }
bench "chain 4K" { y = sin(a4) * b4 + a4 * a4 / (1 + b4) }
bench "chain 16K" { y = sin(a16) * b16 + a16 * a16 / (1 + b16) }
bench "chain 64K" { y = sin(a64) * b64 + a64 * a64 / (1 + b64) }
bench "sum 16K" { s = sum((a16 * b16) ** 2) }
bench "sum 64K" { s = sum((a64 * b64) ** 2) }
bench "sum 256K" { s = sum((a256 * b256) ** 2) }
