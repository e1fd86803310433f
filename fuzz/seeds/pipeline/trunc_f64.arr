a = rand((4, 5), seed=1) * 4 - 2
y = trunc(a)
