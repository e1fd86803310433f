y = full((2, 3), 7)
