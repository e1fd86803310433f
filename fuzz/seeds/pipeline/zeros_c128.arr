y = zeros((2, 3), dtype=c128)
