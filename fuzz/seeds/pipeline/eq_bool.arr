t = rand((4, 5), seed=15) < 0.5
t2 = rand(5, seed=16) < 0.5
y = t == t2
