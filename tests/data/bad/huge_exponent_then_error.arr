x = arange(4) ** 10**18
y = 2.0 ** 10**18
z = arange(4) ** -(10**18)
w = (10**18) ** (10**18)
print(x, y, z, w)
print(x[4])
