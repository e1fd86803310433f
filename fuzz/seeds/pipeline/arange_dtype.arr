y = arange(5, dtype=f32)
