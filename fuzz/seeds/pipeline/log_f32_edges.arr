nanf = f32([1.5, nan, -inf, -0.0, 0.0, inf, -2.5, nan])
y = log(nanf)
