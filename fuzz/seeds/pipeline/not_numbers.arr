k = i64(floor(rand((4, 5), seed=13) * 7)) - 3
y = not k
