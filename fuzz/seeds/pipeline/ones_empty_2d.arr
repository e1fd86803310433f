y = ones((2, 0))
