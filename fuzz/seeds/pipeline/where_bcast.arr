b = rand(5, seed=2) * 4 - 2
c = rand((4, 1), seed=3) * 4 - 2
t2 = rand(5, seed=16) < 0.5
y = where(t2, c, b)
