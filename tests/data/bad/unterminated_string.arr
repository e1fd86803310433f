x = load("data.npy)
