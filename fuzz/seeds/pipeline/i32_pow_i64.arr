j = i32([3, -2, 1, 5, -4])
n = i64(floor(rand((4, 5), seed=14) * 5))
y = j ** n[0]
