save("", ones(3))
