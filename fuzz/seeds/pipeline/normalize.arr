a = rand((4, 5), seed=1) * 4 - 2
y = (a - mean(a, axis=0)) / std(a, axis=0)
