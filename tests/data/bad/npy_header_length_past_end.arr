x = load("npy_header_length_past_end.npy")
print(x)
