x = load("npy_shape_says_more.npy")
print(x)
