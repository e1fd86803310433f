j = i32([3, -2, 1, 5, -4])
y = cumprod(j)
