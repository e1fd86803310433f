i = i64(floor(rand((4, 5), seed=10) * 21)) - 10
j = i32([3, -2, 1, 5, -4])
y = j + i
