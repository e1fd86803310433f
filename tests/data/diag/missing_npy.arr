x = load("tests/data/diag/does_not_exist.npy")
