j = i32([3, -2, 1, 5, -4])
ji = i32(floor(rand((4, 5), seed=12) * 21)) - 10
y = ji % j
