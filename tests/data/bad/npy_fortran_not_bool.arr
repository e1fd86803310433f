x = load("npy_fortran_not_bool.npy")
print(x)
