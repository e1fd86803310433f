i = i64(floor(rand((4, 5), seed=10) * 21)) - 10
ji = i32(floor(rand((4, 5), seed=12) * 21)) - 10
y = i - ji
