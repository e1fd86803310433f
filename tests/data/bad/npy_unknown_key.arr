x = load("npy_unknown_key.npy")
print(x)
