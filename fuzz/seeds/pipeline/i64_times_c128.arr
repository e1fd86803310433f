i = i64(floor(rand((4, 5), seed=10) * 21)) - 10
z = complex(rand((4, 5), seed=17) * 4 - 2, rand((4, 5), seed=18) * 4 - 2)
y = i * z
