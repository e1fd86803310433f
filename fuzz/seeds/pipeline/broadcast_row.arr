b = rand(5, seed=2) * 4 - 2
y = broadcast_to(b, (3, 4, 5))
