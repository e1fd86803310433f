a = rand((4, 5), seed=1) * 4 - 2
i = i64(floor(rand((4, 5), seed=10) * 21)) - 10
y = concat(a, i)
