t = rand((4, 5), seed=15) < 0.5
y = cumsum(t, axis=0)
