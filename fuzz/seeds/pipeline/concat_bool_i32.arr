j = i32([3, -2, 1, 5, -4])
t2 = rand(5, seed=16) < 0.5
y = concat(t2, j)
