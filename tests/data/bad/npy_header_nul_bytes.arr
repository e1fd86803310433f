x = load("npy_header_nul_bytes.npy")
print(x)
