i = i64(floor(rand((4, 5), seed=10) * 21)) - 10
n = i64(floor(rand((4, 5), seed=14) * 5))
y = i ** n
