fu = f32(rand((4, 5), seed=9) * 1.8 - 0.9)
y = asin(fu)
