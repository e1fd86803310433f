k = i64(floor(rand((4, 5), seed=13) * 7)) - 3
y = any(k * 1.0, axis=0)
