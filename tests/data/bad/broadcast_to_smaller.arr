x = broadcast_to(ones(3), (2, 4))
