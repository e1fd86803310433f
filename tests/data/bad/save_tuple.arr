save("out.npy", (1, 2))
