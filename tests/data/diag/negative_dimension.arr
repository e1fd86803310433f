x = ones((3, -2))
