i = i64(floor(rand((4, 5), seed=10) * 21)) - 10
m1 = rand((3, 4), seed=24) * 4 - 2
y = m1 @ i[:, 0:2]
