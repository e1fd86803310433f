s = rand((3, 4, 5), seed=23) * 4 - 2
y = concat(s, s[0:1], axis=0)
