x = ones(3)
save(x, "out.npy")
