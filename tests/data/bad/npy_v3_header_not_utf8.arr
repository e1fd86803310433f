x = load("npy_v3_header_not_utf8.npy")
print(x)
