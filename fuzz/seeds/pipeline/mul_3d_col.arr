c = rand((4, 1), seed=3) * 4 - 2
s = rand((3, 4, 5), seed=23) * 4 - 2
y = s * c
