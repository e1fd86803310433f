x = arange(5)
y = x[10]
