f = f32(rand((4, 5), seed=6) * 4 - 2)
i = i64(floor(rand((4, 5), seed=10) * 21)) - 10
t = rand((4, 5), seed=15) < 0.5
y = where(t, i, f)
