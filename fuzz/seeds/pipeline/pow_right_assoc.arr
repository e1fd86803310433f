b = rand(5, seed=2) * 4 - 2
y = 2 ** 2 ** b
