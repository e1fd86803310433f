ninf = [inf, -inf, -0.0, 0.0, 1.0, -1.0]
y = sort(ninf)
