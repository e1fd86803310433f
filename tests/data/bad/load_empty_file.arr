x = load("empty_file.npy")
