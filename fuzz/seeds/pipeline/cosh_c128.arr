z = complex(rand((4, 5), seed=17) * 4 - 2, rand((4, 5), seed=18) * 4 - 2)
y = cosh(z)
