ib = i64(floor(rand(5, seed=11) * 21)) - 10
j = i32([3, -2, 1, 5, -4])
y = concat(j, ib)
