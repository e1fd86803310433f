x = ones((2**32, 2**32))
print(x[0, 0])
