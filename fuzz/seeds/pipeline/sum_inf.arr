ninf = [inf, -inf, -0.0, 0.0, 1.0, -1.0]
y = sum(ninf[0:2])
