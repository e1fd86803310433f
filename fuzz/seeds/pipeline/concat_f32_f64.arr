b = rand(5, seed=2) * 4 - 2
fb = f32(rand(5, seed=7) * 4 - 2)
y = concat(fb, b)
