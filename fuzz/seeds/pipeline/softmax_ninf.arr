b = rand(5, seed=2) * 4 - 2
ninf = [inf, -inf, -0.0, 0.0, 1.0, -1.0]
y = softmax(concat(ninf[1:2], b))
