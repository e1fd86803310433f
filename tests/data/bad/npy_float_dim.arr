x = load("npy_float_dim.npy")
print(x)
