a = rand((4, 5), seed=1) * 4 - 2
b = rand(5, seed=2) * 4 - 2
c = rand((4, 1), seed=3) * 4 - 2
p = rand((4, 5), seed=4) * 2.9 + 0.1
y = a + b * c - a / p
