x = load("npy_truncated_preamble.npy")
print(x)
