x = load("npy_truncated_data.npy")
print(x)
