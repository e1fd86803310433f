w = c64(complex(rand(5, seed=19) * 4 - 2, rand(5, seed=20) * 4 - 2))
y = exp(w)
