x = load("npy_duplicate_key.npy")
print(x)
