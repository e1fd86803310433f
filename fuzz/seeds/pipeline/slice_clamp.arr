b = rand(5, seed=2) * 4 - 2
y = b[1:100]
