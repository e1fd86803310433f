f = f32(rand((4, 5), seed=6) * 4 - 2)
wz = c64(complex(rand((4, 5), seed=21) * 4 - 2, rand((4, 5), seed=22) * 4 - 2))
y = wz * f
