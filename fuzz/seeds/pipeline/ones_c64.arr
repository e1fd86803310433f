y = ones((2, 2), dtype=c64)
