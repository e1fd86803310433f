b = rand(5, seed=2) * 4 - 2
y = concat(b, [1, 2])
