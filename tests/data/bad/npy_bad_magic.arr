x = load("npy_bad_magic.npy")
print(x)
