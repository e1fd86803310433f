x = load("npy_shape_says_fewer.npy")
print(x)
