x = load("npy_dim_too_many_digits.npy")
print(x)
