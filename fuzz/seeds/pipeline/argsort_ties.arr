ti = [3, 1, 2, 1, 3, 0, 2, 1, -4, 0]
y = argsort(ti)
