x = load("npy_dtype_u2.npy")
print(x)
