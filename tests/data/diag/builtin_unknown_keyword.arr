x = arange(10)
s = sum(x, axes=0)
