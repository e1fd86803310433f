x = ones(3)
y = x + 1
