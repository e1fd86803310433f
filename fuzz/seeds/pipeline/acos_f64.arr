u = rand((4, 5), seed=5) * 1.8 - 0.9
y = acos(u)
