a = rand((4, 5), seed=1) * 4 - 2
k = i64(floor(rand((4, 5), seed=13) * 7)) - 3
y = a and k
