y = linspace(-1, 1)
