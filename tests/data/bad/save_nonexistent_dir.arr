save("no/such/dir/out.npy", ones(3))
