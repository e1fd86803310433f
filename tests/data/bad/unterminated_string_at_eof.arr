x = 1
save("out.npy