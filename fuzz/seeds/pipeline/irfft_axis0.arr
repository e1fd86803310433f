a = rand((4, 5), seed=1) * 4 - 2
n = i64(floor(rand((4, 5), seed=14) * 5))
y = irfft(rfft(a, axis=0), n=5, axis=0)
