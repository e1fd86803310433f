a = rand((4, 5), seed=1) * 4 - 2
b = rand(5, seed=2) * 4 - 2
y = minimum(a, b)
