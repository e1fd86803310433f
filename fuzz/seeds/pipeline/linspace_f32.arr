y = linspace(-1, 1, 7, dtype=f32)
