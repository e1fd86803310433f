y = arange(5)
