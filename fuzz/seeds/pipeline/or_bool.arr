i = i64(floor(rand((4, 5), seed=10) * 21)) - 10
t = rand((4, 5), seed=15) < 0.5
y = t or (i > 0)
