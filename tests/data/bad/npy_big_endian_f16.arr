x = load("npy_big_endian_f16.npy")
print(x)
