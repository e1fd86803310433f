m = ones((2, 3))
print(m[1, 3])
