a = rand((4, 5), seed=1) * 4 - 2
p = rand((4, 5), seed=4) * 2.9 + 0.1
y = concat((a, p, a), axis=-1)
