t = rand((4, 5), seed=15) < 0.5
y = t + 1
