x = arange(5)
y = x[1, 2]
