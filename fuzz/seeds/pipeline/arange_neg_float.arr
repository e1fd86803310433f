y = arange(2.5, -1, -0.5)
