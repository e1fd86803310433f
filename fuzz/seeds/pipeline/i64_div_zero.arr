i = i64(floor(rand((4, 5), seed=10) * 21)) - 10
k = i64(floor(rand((4, 5), seed=13) * 7)) - 3
y = i / k
