x = load("npy_dtype_object.npy")
print(x)
