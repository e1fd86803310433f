y = arange(10, 0, -3)
