y = rand(n, seed=1, seed=2)
z = f(a=1,
      b=2,
      a=3)
