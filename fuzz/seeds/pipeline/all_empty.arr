t2 = rand(5, seed=16) < 0.5
y = all(t2[3:1])
