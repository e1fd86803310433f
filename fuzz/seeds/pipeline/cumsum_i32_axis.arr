ji = i32(floor(rand((4, 5), seed=12) * 21)) - 10
y = cumsum(ji, axis=0)
