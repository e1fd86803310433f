a = rand((4, 5), seed=1) * 4 - 2
c = rand((4, 1), seed=3) * 4 - 2
y = atan2(a, c)
