# mode: run
x = arange(3)
save("tests/data/diag/no/such/dir/x.npy", x)
