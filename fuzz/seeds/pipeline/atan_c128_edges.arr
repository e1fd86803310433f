zedge = complex([inf, 0.0, nan, -0.0, 1.0, -2.0, -2.0, 0.0], [0.0, -inf, 1.0, 0.0, nan, 0.0, -0.0, 0.0])
y = atan(zedge)
