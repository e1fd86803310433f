x = load("tests/data/diag/not_npy.txt")
