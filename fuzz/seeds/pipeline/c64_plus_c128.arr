z = complex(rand((4, 5), seed=17) * 4 - 2, rand((4, 5), seed=18) * 4 - 2)
w = c64(complex(rand(5, seed=19) * 4 - 2, rand(5, seed=20) * 4 - 2))
y = w + z
