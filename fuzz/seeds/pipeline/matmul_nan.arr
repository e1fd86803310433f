m2 = rand((4, 2), seed=25) * 4 - 2
nanv = [1.5, nan, -inf, -0.0, 0.0, inf, -2.5, nan, 3.0, -1.0]
y = reshape(nanv[0:4], (1, 4)) @ m2
