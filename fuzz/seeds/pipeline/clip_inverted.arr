a = rand((4, 5), seed=1) * 4 - 2
y = clip(a, 1, -1)
