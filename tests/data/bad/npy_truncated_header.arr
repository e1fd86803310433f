x = load("npy_truncated_header.npy")
print(x)
