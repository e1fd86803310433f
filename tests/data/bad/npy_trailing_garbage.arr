x = load("npy_trailing_garbage.npy")
print(x)
