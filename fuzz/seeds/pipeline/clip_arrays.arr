a = rand((4, 5), seed=1) * 4 - 2
lo = rand(5, seed=30) - 1
hi = rand((4, 1), seed=31)
y = clip(a, lo, hi)
