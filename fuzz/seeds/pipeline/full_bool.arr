y = full((2, 2), true)
