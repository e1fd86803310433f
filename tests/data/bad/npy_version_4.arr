x = load("npy_version_4.npy")
print(x)
