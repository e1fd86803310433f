y = rand(n, seed=1, 5)
z = f(a=1, b, c)
