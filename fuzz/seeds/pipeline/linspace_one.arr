y = linspace(2, 3, 1)
