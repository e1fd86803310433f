b = rand(5, seed=2) * 4 - 2
s = rand((3, 4, 5), seed=23) * 4 - 2
y = b @ transpose(s, (0, 2, 1))
