a = rand((4, 5), seed=1) * 4 - 2
t = rand((4, 5), seed=15) < 0.5
y = where(t, a, 0)
