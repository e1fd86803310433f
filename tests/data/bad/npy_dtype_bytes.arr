x = load("npy_dtype_bytes.npy")
print(x)
