c = rand((4, 1), seed=3) * 4 - 2
y = sum(c, axis=1)
