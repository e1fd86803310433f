x = arange(3)
y = x(1)
