y = broadcast_to(2.5, (2, 3))
