x = zeros(-5)
