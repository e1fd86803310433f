y = arange(5.0)
