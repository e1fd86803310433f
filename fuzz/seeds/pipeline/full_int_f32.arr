y = full(3, 7, dtype=f32)
