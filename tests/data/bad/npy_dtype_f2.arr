x = load("npy_dtype_f2.npy")
print(x)
