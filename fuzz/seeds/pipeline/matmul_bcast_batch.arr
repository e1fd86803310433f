a = rand((4, 5), seed=1) * 4 - 2
s = rand((3, 4, 5), seed=23) * 4 - 2
y = s @ transpose(a)
