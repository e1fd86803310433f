x = load("a\0.npy")
