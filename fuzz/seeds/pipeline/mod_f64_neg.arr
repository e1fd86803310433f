a = rand((4, 5), seed=1) * 4 - 2
y = a % -0.7
