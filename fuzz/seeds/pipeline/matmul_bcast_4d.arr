m2 = rand((4, 2), seed=25) * 4 - 2
bm = rand((2, 3, 4), seed=26) * 4 - 2
y = reshape(bm, (2, 1, 3, 4)) @ broadcast_to(m2, (3, 4, 2))
