v = rand(8, seed=27) * 4 - 2
y = v[-2::-3]
