x = rand(3, seed=1, seed=2)
