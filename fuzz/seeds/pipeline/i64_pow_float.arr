i = i64(floor(rand((4, 5), seed=10) * 21)) - 10
y = i ** 0.5
