t2 = rand(5, seed=16) < 0.5
y = argsort(t2)
