b = rand(5, seed=2) * 4 - 2
y = reshape(b, (5, 1))
