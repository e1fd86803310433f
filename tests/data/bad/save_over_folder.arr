save("../bad", ones(3))
