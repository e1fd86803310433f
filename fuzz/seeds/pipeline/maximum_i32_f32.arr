f = f32(rand((4, 5), seed=6) * 4 - 2)
j = i32([3, -2, 1, 5, -4])
y = maximum(j, f)
