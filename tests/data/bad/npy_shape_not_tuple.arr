x = load("npy_shape_not_tuple.npy")
print(x)
