x = sum((1, ones(2)))
