a = rand((4, 5), seed=1) * 4 - 2
y = f32(1.5) * a
