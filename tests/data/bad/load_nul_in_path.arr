x = load("bad\npath.npy")
