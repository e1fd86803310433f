fp = f32(rand((4, 5), seed=8) * 2.9 + 0.1)
y = sqrt(fp)
