# Sorting uniform doubles.

s1k = rand(1_000, seed=1)
s1m = rand(1_000_000, seed=1)

bench "sort_1K" { y = sort(s1k) }
bench "sort_1M" { y = sort(s1m) }
