f = f32(rand((4, 5), seed=6) * 4 - 2)
y = argmin(f, axis=1)
