x = load("npy_header_not_dict.npy")
print(x)
