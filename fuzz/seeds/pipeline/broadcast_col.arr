c = rand((4, 1), seed=3) * 4 - 2
y = broadcast_to(c, (4, 5))
