bm = rand((2, 3, 4), seed=26) * 4 - 2
y = bm @ transpose(bm, (0, 2, 1))
