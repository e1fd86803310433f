f = f32(rand((4, 5), seed=6) * 4 - 2)
t = rand((4, 5), seed=15) < 0.5
y = t * f
