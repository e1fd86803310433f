x = load("npy_shape_overflows.npy")
print(x)
