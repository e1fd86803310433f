x = load("npy_header_unclosed.npy")
print(x)
