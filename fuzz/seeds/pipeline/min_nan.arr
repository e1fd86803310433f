nanm = [[3.0, nan, -1.0, 0.5], [inf, -2.0, -inf, nan], [0.0, -0.0, 2.0, 1.0]]
y = min(nanm, axis=1)
