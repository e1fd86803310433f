# Matrix products of two n×n matrices of uniform doubles (a GEMM library call).

m100a = rand((100, 100), seed=1)
m100b = rand((100, 100), seed=2)
m2000a = rand((2000, 2000), seed=1)
m2000b = rand((2000, 2000), seed=2)

bench "matmul_100" { c = m100a @ m100b }
bench "matmul_2000" { c = m2000a @ m2000b }
