x = load("npy_dtype_structured.npy")
print(x)
