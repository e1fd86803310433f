ninf = [inf, -inf, -0.0, 0.0, 1.0, -1.0]
y = atan2(ninf, reshape(ninf, (6, 1)))
