y = arange(2, 10, 3)
