x = load("npy_negative_dim.npy")
print(x)
