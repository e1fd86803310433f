x = arange(0, 1e18, 1e-18)
