m1 = rand((3, 4), seed=24) * 4 - 2
m2 = rand((4, 2), seed=25) * 4 - 2
y = m1 @ m2 * 2
