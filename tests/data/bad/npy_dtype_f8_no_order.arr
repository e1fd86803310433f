x = load("npy_dtype_f8_no_order.npy")
print(x)
