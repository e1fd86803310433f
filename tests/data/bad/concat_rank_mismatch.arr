x = concat(ones(3), ones((2, 3)))
