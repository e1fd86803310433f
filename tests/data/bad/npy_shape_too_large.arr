x = load("npy_shape_too_large.npy")
print(x)
