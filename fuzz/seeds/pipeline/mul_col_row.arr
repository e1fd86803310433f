b = rand(5, seed=2) * 4 - 2
c = rand((4, 1), seed=3) * 4 - 2
y = c * b
