x = load("npy_descr_not_string.npy")
print(x)
