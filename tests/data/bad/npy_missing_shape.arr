x = load("npy_missing_shape.npy")
print(x)
