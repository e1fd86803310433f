y = full(3, 1 + 2j)
