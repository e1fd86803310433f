nanv = [1.5, nan, -inf, -0.0, 0.0, inf, -2.5, nan, 3.0, -1.0]
y = atan(nanv)
