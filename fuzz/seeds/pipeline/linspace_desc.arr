y = linspace(3, -2, 11)
