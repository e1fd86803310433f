p = rand((4, 5), seed=4) * 2.9 + 0.1
y = log10(p)
