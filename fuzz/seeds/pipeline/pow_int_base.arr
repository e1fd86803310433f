n = i64(floor(rand((4, 5), seed=14) * 5))
y = 2 ** n
