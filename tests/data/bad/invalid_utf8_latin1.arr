x = 1
y = "café.npy"
