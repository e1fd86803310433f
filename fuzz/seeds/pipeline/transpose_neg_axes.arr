s = rand((3, 4, 5), seed=23) * 4 - 2
y = transpose(s, (-1, 0, 1))
