y = arange(-3, 3)
