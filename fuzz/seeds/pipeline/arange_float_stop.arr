y = arange(-1.5, 2)
