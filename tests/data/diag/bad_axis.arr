m = ones((2, 3))
s = sum(m, axis=2)
