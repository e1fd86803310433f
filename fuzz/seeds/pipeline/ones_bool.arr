y = ones(3, dtype=bool)
