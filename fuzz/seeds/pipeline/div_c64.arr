w = c64(complex(rand(5, seed=19) * 4 - 2, rand(5, seed=20) * 4 - 2))
wz = c64(complex(rand((4, 5), seed=21) * 4 - 2, rand((4, 5), seed=22) * 4 - 2))
y = w / wz
