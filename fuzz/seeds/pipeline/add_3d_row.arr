b = rand(5, seed=2) * 4 - 2
s = rand((3, 4, 5), seed=23) * 4 - 2
y = s + b
