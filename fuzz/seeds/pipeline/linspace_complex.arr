y = linspace(0, 1j, 3)
