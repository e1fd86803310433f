f = f32(rand((4, 5), seed=6) * 4 - 2)
i = i64(floor(rand((4, 5), seed=10) * 21)) - 10
y = i == f
