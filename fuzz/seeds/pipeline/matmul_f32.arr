f = f32(rand((4, 5), seed=6) * 4 - 2)
fb = f32(rand(5, seed=7) * 4 - 2)
y = f @ fb
