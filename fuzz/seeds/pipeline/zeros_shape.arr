y = zeros((2, 3))
