y = arange(2, 10)
