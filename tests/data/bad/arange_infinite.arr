x = arange(0, inf)
