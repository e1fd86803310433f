x = zeros(3, dtype=1)
