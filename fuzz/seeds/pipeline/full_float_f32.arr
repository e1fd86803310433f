y = full((2, 3), 2.5, dtype=f32)
