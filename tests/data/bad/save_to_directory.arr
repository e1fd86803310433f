save(".", ones(3))
