y = arange(3, 1)
