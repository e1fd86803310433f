x = arange(0, 10, 0)
