f = f32(rand((4, 5), seed=6) * 4 - 2)
fn h(x) = x * 0.5 + 1
y = h(f)
