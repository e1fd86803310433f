t = rand((4, 5), seed=15) < 0.5
y = sum(t, axis=0)
